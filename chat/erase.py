"""What erasing a person does to chat (alignment/erasure.py): their linked chat accounts go, and what waited to be sent to them.

A linked account names them in another system (its user ID and name): erased, nobody in chat acts as them any
more. Messages already sent stay in the chat, which is the chat's to keep; those not sent yet are not sent.
"""

from __future__ import annotations

from alignment.erasure import ErasureSubject
from chat.models import ChatAccount, ChatMessage


def erase(subject: ErasureSubject) -> dict[str, int]:
    accounts = list(ChatAccount.objects.filter(user=subject.person).values_list("kind", "workspace_id", "chat_user_id"))
    unsent = 0
    for kind, workspace_id, chat_user_id in accounts:
        unsent += ChatMessage.objects.filter(connection__kind=kind, connection__workspace_id=workspace_id,
                                             chat_user_id=chat_user_id,
                                             status__in=[ChatMessage.Status.QUEUED, ChatMessage.Status.RETRYING]
                                             ).update(status=ChatMessage.Status.FAILED, next_attempt_at=None,
                                                      last_error="not sent: the person's account was erased")
    deleted, _ = ChatAccount.objects.filter(user=subject.person).delete()
    return {"chat account": deleted, "chat message not sent": unsent}
