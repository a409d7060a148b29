"""A person's part of "Download my data" from chat (alignment/data_export.py): the chat accounts they linked.

1 query, in their own export only: a chat account belongs to a workspace, not to one organisation, so an
organisation's admin exporting what the person did there does not get it.
"""

from __future__ import annotations

from alignment.data_export import ExportPart, ExportSubject, document, when
from chat.models import ChatAccount


def collect(subject: ExportSubject) -> ExportPart:
    if not subject.for_themselves:
        return ExportPart()
    accounts = [{
        "chat": a.get_kind_display(), "workspace": a.workspace_id, "chat_user": a.chat_user_id,
        "name_in_chat": a.chat_user_name, "linked": a.linked_at,
    } for a in ChatAccount.objects.filter(user=subject.person).order_by("linked_at", "pk")]  # query: accounts
    return ExportPart(
        records={"chat_accounts": accounts},
        documents={"chat_accounts": document("Your chat accounts", [
            f"## {a['chat']}: {a['name_in_chat'] or a['chat_user']} (workspace {a['workspace']}, linked "
            f"{when(a['linked'])})" for a in accounts])},
    )
