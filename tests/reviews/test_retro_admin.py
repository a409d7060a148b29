"""Staff can browse cycles and retrospectives in the admin without errors."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from reviews.models import (
    NonNegotiableRating,
    PromptTemplate,
    PromptTemplateItem,
    RetroAction,
    RetroNote,
    ReviewCycle,
)
from tests.reviews.retro_factories import CYCLE_END, charter_in_force, open_cycle, session, theme, write_card

pytestmark = pytest.mark.django_db


def test_admin_list_and_change_pages_render(client, team, leader, member, facilitator, django_user_model):
    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase="closed")
    card = write_card(retro, member, "Calmer releases")
    made = theme(retro, "Deploys", card)
    note = RetroNote.objects.create(retrospective=retro, theme=made, author=member, text="Tuesdays")
    rating = NonNegotiableRating.objects.create(retrospective=retro, participant=member, rating="held",
                                                non_negotiable=retro.prompts.filter(kind="non_negotiable")
                                                .first().non_negotiable)
    action = RetroAction.objects.create(retrospective=retro, kind="commitment", title="Checklist", owner=member,
                                        due_on=CYCLE_END, standard="Used", token=uuid.uuid4())
    template = PromptTemplate.objects.create(team=team, name="Ours")
    PromptTemplateItem.objects.create(template=template, kind="keep", text="Keep?")
    client.force_login(django_user_model.objects.create_superuser("admin@example.com", "pw"))

    for model, obj in (("reviewcycle", ReviewCycle.objects.get()), ("retrospective", retro), ("retrocard", card),
                       ("retrotheme", made), ("retronote", note), ("nonnegotiablerating", rating),
                       ("retroaction", action), ("prompttemplate", template)):
        assert client.get(reverse(f"admin:reviews_{model}_changelist")).status_code == 200, model
        assert client.get(reverse(f"admin:reviews_{model}_change", args=[obj.pk])).status_code == 200, model

    # Not even a named session's card shows its author to staff (tests/reviews/test_admin_anonymity.py).
    assert member.name not in client.get(reverse("admin:reviews_retrocard_changelist")).content.decode()
