"""Replies to check-in reminders, posted by the mail provider: `POST /inbound/email/` (checkins/replies.py).

Authenticated by the shared secret `INBOUND_EMAIL_SECRET`, given as HTTP Basic's password (any user name: the
address `https://charter:<secret>@host/inbound/email/`) or in a `Charter-Inbound-Secret` header. The message
comes whole, in one of the shapes providers post without their SDKs:

- the raw message as the body, `Content-Type: message/rfc822` (a relay's pipe, `curl --data-binary @msg.eml`);
- a form with the raw message in `body-mime` (Mailgun's route to a URL ending in `mime`) or `email` (SendGrid's
  Inbound Parse with "POST the raw, full MIME message"), the envelope's recipient in `recipient` or `envelope`.

Answers: 200 once the reply is taken (or was taken before), so the provider does not send it again; 406 for a
reply refused (forged, tampered, from someone else, a closed week: Mailgun drops a 406 rather than retrying);
401 without the secret, 400 without a message, 413 for one too large; 404 while the feature is off.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from checkins import replies

logger = logging.getLogger(__name__)

SECRET_HEADER = "Charter-Inbound-Secret"
RAW_FIELDS = ("body-mime", "email")  # Mailgun's, SendGrid's


@csrf_exempt  # posted by the mail provider, with the shared secret instead of a session
@require_POST
def receive(request: HttpRequest) -> HttpResponse:
    if not replies.domain() or not settings.INBOUND_EMAIL_SECRET:
        raise Http404("Checking in by e-mail is off")
    if not _authenticated(request):
        return _answer("Give the inbound secret as HTTP Basic's password or in the Charter-Inbound-Secret header.",
                       401, headers={"WWW-Authenticate": 'Basic realm="inbound e-mail"'})
    try:
        raw, recipients = _message_of(request)
    except RequestDataTooBig:
        return _answer("Too large to be a reply to a check-in reminder.", 413)
    if not raw:
        return _answer("No message: post it as message/rfc822, or in a form's body-mime or email field.", 400)
    try:
        taken = replies.take_reply(raw=raw, now=timezone.now(), recipients=recipients)
    except replies.ReplyRefused as refusal:
        logger.log(logging.WARNING if refusal.forged else logging.INFO, "check-in reply refused: %s", refusal)
        return _answer(str(refusal), 406)
    return _answer(taken.outcome, 200)


def _authenticated(request: HttpRequest) -> bool:
    given = request.headers.get(SECRET_HEADER, "")
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            given = base64.b64decode(credentials.strip(), validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return False
    return bool(given) and constant_time_compare(given, settings.INBOUND_EMAIL_SECRET)


def _message_of(request: HttpRequest) -> tuple[bytes, list[str]]:
    """The raw message as posted, and the envelope's recipients when the provider names them."""
    if request.content_type == "message/rfc822":
        return request.body, []
    if request.content_type not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return b"", []
    raw = b""
    for field in RAW_FIELDS:
        if field in request.FILES:
            raw = request.FILES[field].read()
        elif request.POST.get(field):
            raw = request.POST[field].encode()
        if raw:
            break
    recipients = [request.POST["recipient"]] if request.POST.get("recipient") else []
    try:
        envelope = json.loads(request.POST.get("envelope") or "{}")
    except ValueError:
        envelope = {}
    if isinstance(envelope, dict) and isinstance(envelope.get("to"), list):
        recipients += [str(address) for address in envelope["to"]]
    return raw, recipients


def _answer(text: str, status: int, *, headers: dict | None = None) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8", headers=headers)
