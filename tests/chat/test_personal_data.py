"""A person's chat accounts: in their own data export, and gone when their account is erased."""

from __future__ import annotations

import pytest
from django.utils import timezone

from alignment.erasure import ErasureSubject
from chat import erase
from chat.models import ChatAccount
from tests.chat.conftest import MEMBER_CHAT, link

pytestmark = pytest.mark.django_db


def test_chat_accounts_are_erased_with_their_person(member):
    link(member, MEMBER_CHAT)

    erased = erase.erase(ErasureSubject(person=member, email=member.email, name=member.name, now=timezone.now()))

    assert erased == {"chat account": 1, "chat message not sent": 0}
    assert not ChatAccount.objects.exists()


def test_the_persons_own_export_lists_their_chat_accounts_and_an_admins_does_not(member, organisation):
    from alignment.data_export import ExportSubject
    from chat import export

    link(member, MEMBER_CHAT)

    own = export.collect(ExportSubject(person=member)).records["chat_accounts"]
    assert [account["chat_user"] for account in own] == [MEMBER_CHAT]
    assert export.collect(ExportSubject(person=member, organisation=organisation)).records == {}
