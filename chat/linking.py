"""The signed link `/charter link` answers with: proof that a chat user asked, for a signed-in person to confirm.

The link names the chat (kind and workspace) and the chat user, signed with this site's key under its own
salt, and works for `LINK_MAX_AGE`. Following it only shows the question; the signed-in person links the
account by confirming (a POST). Nothing is ever matched by e-mail address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from chat.models import ChatKind
from notifications.services import absolute_url

LINK_SALT = "chat.link"
LINK_MAX_AGE = timedelta(minutes=15)


@dataclass(frozen=True)
class LinkRequest:
    """A chat user who asked to be linked: who, in which workspace of which chat."""

    kind: str
    workspace_id: str
    chat_user_id: str
    chat_user_name: str

    @property
    def kind_label(self) -> str:
        return str(ChatKind(self.kind).label)


def link_token(request: LinkRequest) -> str:
    # Its time on the site's clock (`timezone.now`), as everything else that expires here.
    return signing.dumps({"k": request.kind, "w": request.workspace_id, "u": request.chat_user_id,
                          "n": request.chat_user_name, "t": int(timezone.now().timestamp())},
                         salt=LINK_SALT, compress=True)


def link_url(request: LinkRequest) -> str:
    return absolute_url(reverse("chat:link", args=[link_token(request)]))


def read_link_token(token: str) -> LinkRequest | None:
    """What the token names, if this site signed it less than `LINK_MAX_AGE` ago; None otherwise."""
    try:
        data = signing.loads(token, salt=LINK_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in ChatKind.values or not data.get("u") or not data.get("w"):
        return None
    age = timezone.now().timestamp() - int(data.get("t", 0))
    if not 0 <= age <= LINK_MAX_AGE.total_seconds():
        return None
    return LinkRequest(kind=data["k"], workspace_id=str(data["w"]), chat_user_id=str(data["u"]),
                       chat_user_name=str(data.get("n", ""))[:200])
