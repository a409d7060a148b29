"""Checking in by replying to the reminder e-mail: the signed reply address, and taking a reply into the draft.

The reminder (and the nudge) of a week goes out with `Reply-To: checkin+<token>@INBOUND_EMAIL_DOMAIN`; the
token names the person, the team and the week, signed with `SECRET_KEY`, so an address is good for one
person's check-in of one week and cannot be made up or changed. A reply reaches `take_reply` through the
webhook (`checkins/inbound.py`) or `manage.py read_checkin_replies`, which:

1. finds the reply address among the recipients and checks its signature (forged or tampered: refused);
2. checks the sender (`From:`) is the person the address names, since anyone may write to an address they saw
   (`From:` can be forged too: the token is what proves the reply, the sender a second check);
3. refuses an automatic answer (an out-of-office), a person no longer checking in in the team, and a week that
   has closed;
4. takes the text above the quoted reminder (`reply_text`) and adds it to the check-in's "what moved" as a draft,
   through `services.save_draft` like the web form; a submitted check-in is never changed;
5. claims the message (`InboundReply`, unique per person and Message-ID, or a digest of the bytes when it has
   none) in the same transaction, so a message delivered twice is taken once;
6. tells the person, through their notification preferences, with a link to finish or confirm it.

A refusal writes nothing.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from alignment.errors import ActionRefused, ConcurrentEditError
from alignment.models import Membership
from alignment.permissions import Capability, TeamAccess
from alignment.weeks import TeamWeek, week_starting
from checkins import services
from checkins.content import CheckInContent, saved_carried
from checkins.models import CheckIn, InboundReply, refusal_to_edit
from notifications import services as notifications

logger = logging.getLogger(__name__)

# A notification kind (registered in checkins/apps.py): what became of a reply to the reminder.
CHECKIN_BY_EMAIL = "checkin_by_email"

SALT = "checkins.replies.address"
LOCAL_PART = "checkin"
_TOKEN = re.compile(r"^checkin\+(?P<person>[0-9a-z]{1,13})-(?P<team>[0-9a-z]{1,13})-(?P<week>[0-9a-z]{1,6})"
                    r"-(?P<signature>[a-z2-7]{24})$")
SIGNATURE_BYTES = 15  # 120 bits, 24 characters of base32: the local part stays well inside its 64


# The reply address ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyToken:
    """What a reply address names: one person's check-in of one team's week (its Monday)."""

    person_id: int
    team_id: int
    monday: date


def domain() -> str:
    """Where replies go; empty when checking in by e-mail is off."""
    return (getattr(settings, "INBOUND_EMAIL_DOMAIN", "") or "").strip().lower()


def reply_address(*, person_id: int, team_id: int, monday: date) -> str | None:
    """`checkin+<person>-<team>-<week>-<signature>@<domain>`, or None when replies are off.

    Lower case throughout (base 36 and base 32), since some mail systems lower-case the local part. The week is
    its Monday's day number, so a token is good for that week only.
    """
    if not domain():
        return None
    payload = f"{_base36(person_id)}-{_base36(team_id)}-{_base36(monday.toordinal())}"
    return f"{LOCAL_PART}+{payload}-{_signature(payload, settings.SECRET_KEY)}@{domain()}"


def read_reply_address(address: str) -> ReplyToken | None:
    """What a reply address names, or None unless it is one of ours with a good signature.

    A signature made with a key in `SECRET_KEY_FALLBACKS` is good too, so rotating the key does not break the
    reminders already sent.
    """
    local, _, at = address.strip().lower().rpartition("@")
    found = _TOKEN.match(local)
    if not domain() or at != domain() or found is None:
        return None
    payload = local[len(LOCAL_PART) + 1:local.rindex("-")]
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if not any(constant_time_compare(found["signature"], _signature(payload, key)) for key in keys):
        return None
    try:
        monday = date.fromordinal(int(found["week"], 36))
    except (ValueError, OverflowError):
        return None
    if monday.weekday() != 0:
        return None
    return ReplyToken(person_id=int(found["person"], 36), team_id=int(found["team"], 36), monday=monday)


def _signature(payload: str, key) -> str:
    digest = salted_hmac(SALT, payload, secret=key, algorithm="sha256").digest()[:SIGNATURE_BYTES]
    return base64.b32encode(digest).decode().lower()


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


# The key of a reminder's delivery, as `checkins.reminders.delivery_key` writes it.
_REMINDER_KEY = re.compile(r"^week-(?P<monday>\d{4}-\d{2}-\d{2})/team-(?P<team>\d+)$")


def reminder_reply_to(delivery) -> str | None:
    """The Reply-To of a check-in reminder or nudge (`notifications.register_reply_to`): its person's address for
    its team's week."""
    found = _REMINDER_KEY.match(delivery.key)
    if found is None:
        return None
    return reply_address(person_id=delivery.recipient_id, team_id=int(found["team"]),
                         monday=date.fromisoformat(found["monday"]))


# The words of a reply ---------------------------------------------------------------------------------------

# Where the quoted history starts: "On Fri, 20 Nov 2026 at 10:00, Charter <…> wrote:" (a few languages; Gmail
# may wrap it over two lines), Outlook's "-----Original Message-----", and its "From: … Sent: …" block.
_ATTRIBUTION = re.compile(r"^(on|am|le|el|op|il)\s.*\b(wrote|schrieb|a écrit|escribió|schreef|ha scritto)\s*:$",
                          re.IGNORECASE)
_ORIGINAL_MESSAGE = re.compile(r"^-{2,}\s*(original message|ursprüngliche nachricht|message d'origine)\s*-{2,}$",
                               re.IGNORECASE)
_HEADER_BLOCK = re.compile(r"^\*?(from|von|de)\s*:\*?\s", re.IGNORECASE)
_HEADER_NEXT = re.compile(r"^\*?(sent|date|to|subject|gesendet|datum|an|envoyé|objet)\s*:", re.IGNORECASE)
_RULE = re.compile(r"^[_-]{10,}$")
# A signature: the "-- " delimiter, and the lines phones and mail apps add.
_SIGNATURE = re.compile(r"^(--|sent from my .*|sent from (mail|outlook|yahoo mail)\b.*|get outlook for .*)$",
                        re.IGNORECASE)


def reply_text(message: EmailMessage) -> str:
    """What the person wrote: the plain-text part (or the HTML part as text), without the quoted reminder, earlier
    history and signature."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except LookupError:  # a charset Python does not know: its words as UTF-8, what is not replaced
        text = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    elif (part.get_param("format") or "").lower() == "flowed":
        text = _unflowed(text, delsp=(part.get_param("delsp") or "").lower() == "yes")
    return strip_history(text)


def strip_history(text: str) -> str:
    """The text above the quoted history and the signature, quoted lines left out, blank runs made one."""
    lines = [line.replace("\u00a0", " ").rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    kept = []
    for n, line in enumerate(lines):
        bare = line.strip()
        if _SIGNATURE.match(bare) or _ORIGINAL_MESSAGE.match(bare) or _starts_quote(lines, n):
            break
        if _RULE.match(bare) and n + 1 < len(lines) and _HEADER_BLOCK.match(lines[n + 1].strip()):
            break  # Outlook's rule above its "From:" block
        kept.append(line)
    written = []
    for line in kept:
        if line.lstrip().startswith(">"):
            continue
        if not line and (not written or not written[-1]):
            continue  # leading blank lines, and runs of them
        written.append(line)
    return "\n".join(written).strip()


def _starts_quote(lines: list[str], n: int) -> bool:
    """Whether line `n` starts the quoted history: an attribution (on one line, or wrapped onto the next), or
    Outlook's "From:" followed by "Sent:", "To:" or "Subject:"."""
    line = lines[n].strip()
    following = [later.strip() for later in lines[n + 1:n + 4]]
    if _ATTRIBUTION.match(line) or (following and _ATTRIBUTION.match(f"{line} {following[0]}")):
        return True
    return bool(_HEADER_BLOCK.match(line) and any(_HEADER_NEXT.match(later) for later in following))


def _unflowed(text: str, *, delsp: bool) -> str:
    """A `format=flowed` text (RFC 3676) with its soft line breaks joined again."""
    lines, paragraph = [], ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith(" "):
            line = line[1:]  # space-stuffed
        if line.endswith(" ") and line != "-- ":
            paragraph += line[:-1] if delsp else line
            continue
        lines.append(paragraph + line)
        paragraph = ""
    if paragraph:
        lines.append(paragraph)
    return "\n".join(lines)


class _Text(HTMLParser):
    """An HTML part's words, a line per block: up to where the quoted history starts (Gmail's, Outlook's,
    Thunderbird's and Yahoo's quote containers), quotes in between, signatures, styles and scripts left out."""

    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
                        "pre", "hr", "blockquote", "section", "article", "header", "footer"})
    VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source"})
    SKIPPED = frozenset({"blockquote", "style", "script", "head", "title"})
    SKIPPED_MARKS = ("gmail_signature", "moz-signature")
    HISTORY_MARKS = ("gmail_quote", "divrplyfwdmsg", "appendonsend", "moz-cite-prefix", "yahoo_quoted")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.line_started = False  # words since the last line break: a block's edge ends the line only then
        self.history = False  # reached the quoted history: nothing after it is theirs
        # Inside something left out: its tag, and how deep in tags of that name (an unclosed <p> inside it
        # does not matter).
        self.skipped_tag, self.skipping = "", 0

    def handle_starttag(self, tag, attrs):
        if self.history:
            return
        if tag in self.VOID:
            if tag in ("br", "hr") and not self.skipping:
                self._line_break(hard=True)
            return
        if self.skipping:
            self.skipping += tag == self.skipped_tag
            return
        marks = " ".join(value or "" for name, value in attrs if name in ("class", "id")).lower()
        if any(mark in marks for mark in self.HISTORY_MARKS):
            self.history = True
            return
        if tag in self.SKIPPED or any(mark in marks for mark in self.SKIPPED_MARKS):
            self.skipped_tag, self.skipping = tag, 1
            return
        if tag in self.BLOCKS:
            self._line_break()
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag):
        if self.history or tag in self.VOID:
            return
        if self.skipping:
            self.skipping -= tag == self.skipped_tag
            return
        if tag in self.BLOCKS:
            self._line_break()

    def handle_data(self, data):
        if not self.history and not self.skipping:
            words = re.sub(r"[ \t\r\n\u00a0]+", " ", data)
            self.parts.append(words)
            # A block holding only a no-break space is Outlook's blank line.
            self.line_started = self.line_started or bool(words.strip()) or "\u00a0" in data

    def _line_break(self, *, hard: bool = False) -> None:
        """`<br>` always breaks the line; the edges of blocks (`<div>a</div><div>b</div>`) only after words."""
        if hard or self.line_started:
            self.parts.append("\n")
            self.line_started = False


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# Taking a reply ---------------------------------------------------------------------------------------------


class ReplyRefused(ActionRefused):
    """A reply that is not taken, and nothing written for it. `forged`: its address or sender is not genuine."""

    def __init__(self, reason: str, *, forged: bool = False):
        super().__init__(reason)
        self.forged = forged


@dataclass(frozen=True)
class TakenReply:
    """What came of a reply: added to the draft, not added (already submitted), or `replayed` (taken before)."""

    outcome: str  # an `InboundReply.Outcome`, or REPLAYED
    inbound: InboundReply | None = None


REPLAYED = "replayed"
# Where a message's recipients are, in the order they are looked at after the ones the provider names.
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "To", "Cc")


def take_reply(*, raw: bytes, now: datetime | None = None, recipients: Iterable[str] = ()) -> TakenReply:
    """Take a reply to a check-in reminder (the whole message, as received) into its week's draft, once.

    `recipients`: the envelope's, when the provider gives them. Raises `ReplyRefused` (writing nothing) for a
    message that is not a genuine reply of a person who still checks in that week.
    """
    now = now or timezone.now()
    if not domain():
        raise ReplyRefused("Checking in by e-mail is off (INBOUND_EMAIL_DOMAIN is not set).")
    message = BytesParser(policy=policy.default).parsebytes(raw)
    token = _token_of(message, recipients)
    membership = (Membership.objects.select_related("user", "team__organisation")
                  .filter(user_id=token.person_id, team_id=token.team_id).first())
    if membership is None:
        raise ReplyRefused("The person this reply is from is no longer in the team.")
    person, team = membership.user, membership.team
    if _sender(message) != person.email.strip().lower():
        raise ReplyRefused("The reply's sender is not the person its address was made for.", forged=True)
    if _is_automatic(message):
        raise ReplyRefused("An automatic answer (an out-of-office, say) is not a check-in.")
    if not person.is_active or not TeamAccess(team, person, membership).can(Capability.CHECK_IN):
        raise ReplyRefused("The person this reply is from no longer checks in in this team.")
    week = week_starting(team, token.monday)
    refusal = refusal_to_edit(week, now)
    if refusal:
        raise ReplyRefused(refusal)
    text = reply_text(message)
    if not text:
        raise ReplyRefused("The reply says nothing above the quoted reminder.")
    return _take(message_id=_message_key(message, raw), person=person, team=team, week=week, text=text, now=now)


def _take(*, message_id: str, person, team, week: TeamWeek, text: str, now: datetime) -> TakenReply:
    """Claim the message and add its text to the draft, in one transaction; tell the person when it commits."""
    with transaction.atomic():
        mine = CheckIn.objects.filter(team=team, author=person, week=week.monday)
        submitted = mine.filter(state=CheckIn.State.SUBMITTED).exists()
        try:
            with transaction.atomic():
                inbound = InboundReply.objects.create(
                    person=person, team=team, week=week.monday, message_id=message_id, received_at=now,
                    outcome=InboundReply.Outcome.ALREADY_SUBMITTED if submitted else InboundReply.Outcome.DRAFTED)
        except IntegrityError:
            logger.info("check-in reply %s of person %s taken before: nothing more done", message_id, person.pk)
            return TakenReply(REPLAYED)
        cut = False
        if not submitted:
            try:
                cut = _add_to_draft(person=person, team=team, week=week, text=text, now=now)
            except ActionRefused:  # submitted meanwhile (the one refusal left: the week runs, the team is not archived)
                inbound.outcome = InboundReply.Outcome.ALREADY_SUBMITTED
                inbound.save(update_fields=["outcome"])
        _tell(inbound, person=person, team=team, week=week, text=text, cut=cut, now=now)
    return TakenReply(inbound.outcome, inbound)


def _add_to_draft(*, person, team, week: TeamWeek, text: str, now: datetime, tries: int = 3) -> bool:
    """Add `text` to the draft's "what moved" (after what is there), as the web form saves it; True if it was cut
    to fit.

    A reply adds words only: the content given is the check-in's own words and load with `text` added, and its
    own fingerprint goes with it as what was saved, so the service writes the words and leaves the non-negotiable
    under strain, the blockers and the key-result values as they are (`services.save_draft`). A save from
    another tab in between is a conflict: read again and add to what it saved.
    """
    limit = CheckIn._meta.get_field("progress").max_length
    attempt = 0
    while True:
        attempt += 1
        # None yet: the first save makes it (version 0, nothing written).
        current = CheckIn.objects.filter(team=team, author=person, week=week.monday).first() or CheckIn(version=0)
        before = current.progress.rstrip()
        room = limit - len(before) - (2 if before else 0)
        added = text if len(text) <= room else (text[:room - 1].rstrip() + "…" if room > 1 else "")
        content = CheckInContent(
            progress="\n\n".join(part for part in (before, added) if part), highlights=current.highlights,
            load=current.load, strain_note=current.strain_note, boundary_question=current.boundary_question,
            carried=tuple(saved_carried(current.carried_answers).values()))
        try:
            services.save_draft(team=team, author=person, week=week, expected_version=current.version,
                                content=content, now=now, fingerprint=content.fingerprint())
        except ConcurrentEditError:
            if attempt == tries:
                raise
        else:
            return added != text


def _tell(inbound: InboundReply, *, person, team, week: TeamWeek, text: str, cut: bool, now: datetime) -> None:
    """The person hears what came of their reply, once, with a link to their check-in."""
    url = reverse("checkins:this_week", args=[team.organisation.slug, team.slug])
    named = week.label[:1].lower() + week.label[1:]
    limit = CheckIn._meta.get_field("progress").max_length
    if inbound.outcome == InboundReply.Outcome.DRAFTED:
        subject = f"{team.name}: your reply is in your check-in draft"
        body = (f"What you wrote is now under “What moved” in your check-in for the {named}, as a draft: nobody "
                "else reads it until you submit it. Open it to add your load, blockers and key results, or "
                "submit it as it is.")
        if cut:
            body += f" Not all of it fitted: “What moved” holds {limit} characters, so its end was left out."
    else:
        subject = f"{team.name}: your check-in was already submitted"
        body = (f"Your check-in for the {named} is already submitted, and a reply never changes a submitted "
                "check-in, so what you wrote was not added. To add it, open your check-in and press “Update "
                "check-in” before the week closes.")
    notifications.deliver(recipient=person, kind=CHECKIN_BY_EMAIL, key=f"inbound-reply:{inbound.pk}", now=now,
                          subject=subject, body=f"{body}\n\nWhat you wrote:\n\n{text[:limit]}", url=url)


def _token_of(message: EmailMessage, recipients: Iterable[str]) -> ReplyToken:
    """The token of the first reply address among the envelope's recipients and the message's; refused if there is
    none, or none of them is signed right."""
    addresses = [address for _, address in email.utils.getaddresses(list(recipients))]
    for name in RECIPIENT_HEADERS:
        addresses += [address for _, address in email.utils.getaddresses([str(v) for v in message.get_all(name, [])])]
    ours = [address for address in addresses
            if address.lower().startswith(f"{LOCAL_PART}+") and address.lower().endswith(f"@{domain()}")]
    for address in ours:
        token = read_reply_address(address)
        if token is not None:
            return token
    if ours:
        raise ReplyRefused("The reply address is not one Charter made: its signature does not match.", forged=True)
    raise ReplyRefused("The message is not addressed to a check-in reply address.", forged=True)


def _sender(message: EmailMessage) -> str:
    """The address of the one `From:`, lower-cased; empty if there is not exactly one."""
    found = email.utils.getaddresses([str(value) for value in message.get_all("From", [])])
    return found[0][1].strip().lower() if len(found) == 1 else ""


def _is_automatic(message: EmailMessage) -> bool:
    """An out-of-office or other automatic answer (RFC 3834, and the headers older responders set)."""
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    return (auto != "no" or precedence in ("auto_reply", "bulk", "junk")
            or "X-Autoreply" in message or "X-Autorespond" in message)


def _message_key(message: EmailMessage, raw: bytes) -> str:
    """The message's Message-ID, or a digest of its bytes when it has none (or one too long to keep)."""
    message_id = str(message.get("Message-ID", "")).strip()
    if message_id and len(message_id) <= InboundReply._meta.get_field("message_id").max_length:
        return message_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def erase(subject) -> dict[str, int]:
    """Erasing a person (alignment/erasure.py): the record of their replies goes; the words went into check-ins,
    which `checkins.erase` blanks."""
    deleted, _ = InboundReply.objects.filter(person=subject.person).delete()
    return {"e-mail reply record deleted": deleted}
