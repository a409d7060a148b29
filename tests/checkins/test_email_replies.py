"""Checking in by replying to the reminder: its signed Reply-To, the reply's words into the draft, refusals, replay."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alignment.erasure import ErasureSubject
from alignment.models import Membership
from checkins import reminders, replies
from checkins.models import Blocker, CheckIn, InboundReply
from notifications.models import Delivery, Notification
from tests.checkins import mail
from tests.checkins.conftest import MONDAY, at, form_fields, url

pytestmark = pytest.mark.django_db

FRIDAY = at(4, "11:00")
SENTENCE = "Reply to this e-mail with what moved this week"


@pytest.fixture(autouse=True)
def replies_on(settings):
    settings.INBOUND_EMAIL_DOMAIN = mail.DOMAIN


def take(reply, now=FRIDAY) -> replies.TakenReply:
    return replies.take_reply(raw=bytes(reply), now=now)


def written() -> tuple:
    return (list(CheckIn.objects.values_list("state", "version", "progress")),
            list(InboundReply.objects.values_list("message_id")), list(Delivery.objects.values_list("kind", "key")))


def test_the_reminder_asks_for_a_reply_to_the_persons_own_address_and_the_reply_becomes_the_draft(
        team, member, mailoutbox, django_capture_on_commit_callbacks, login, frozen):
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_reminders(now=at(4, "10:00"))
    [reminder] = mailoutbox

    assert reminder.reply_to == [mail.address(member, team)]
    assert reminder.reply_to[0].startswith("checkin+") and reminder.reply_to[0].endswith("@" + mail.DOMAIN)
    assert replies.read_reply_address(reminder.reply_to[0]) == replies.ReplyToken(member.pk, team.pk, MONDAY)
    assert SENTENCE in reminder.body and SENTENCE in reminder.alternatives[0].content

    # Some mail programs write the address in capitals: it is the same address.
    reply = mail.gmail(reminder.reply_to[0].upper(), In_Reply_To=reminder.extra_headers["Message-ID"])
    with django_capture_on_commit_callbacks(execute=True):
        taken = take(reply)

    checkin = CheckIn.objects.get(team=team, author=member, week=MONDAY)
    assert (taken.outcome, checkin.state, checkin.progress) == ("drafted", "draft", mail.WRITTEN)
    # Told once, by e-mail too (the reminder and this), with the link to finish it.
    told = Notification.objects.get(recipient=member, kind=replies.CHECKIN_BY_EMAIL)
    assert told.url == url("this_week") and "as a draft" in told.body
    assert len(mailoutbox) == 2 and mailoutbox[1].reply_to == []
    frozen(FRIDAY)
    page = login(member).get(url("this_week")).content.decode()
    assert form_fields(page)["progress"] == mail.WRITTEN


def test_without_a_reply_domain_the_reminder_has_no_reply_to_and_does_not_ask(
        team, member, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.INBOUND_EMAIL_DOMAIN = ""
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_reminders(now=at(4, "10:00"))
    [reminder] = mailoutbox

    assert reminder.reply_to == []
    assert SENTENCE not in reminder.body and SENTENCE not in reminder.alternatives[0].content


@pytest.mark.parametrize("style", mail.STYLES, ids=lambda style: style.__name__)
def test_only_what_the_person_wrote_becomes_what_moved(team, member, style):
    take(style(mail.address(member, team)))

    assert CheckIn.objects.get().progress == mail.WRITTEN


def test_a_reply_adds_to_the_draft_and_leaves_the_rest_of_it_alone(team, member):
    draft = CheckIn.objects.create(team=team, author=member, week=MONDAY, progress="Started the export.\n",
                                   load="overloaded", strain_note="Two on-call weeks", version=3)
    Blocker.objects.create(check_in=draft, what="Staging VPN broken")

    take(mail.signed(mail.address(member, team)))

    draft.refresh_from_db()
    assert draft.progress == f"Started the export.\n\n{mail.WRITTEN}"
    assert (draft.state, draft.version, draft.load, draft.strain_note) == ("draft", 4, "overloaded",
                                                                           "Two on-call weeks")
    assert list(draft.blockers.values_list("what", flat=True)) == ["Staging VPN broken"]


def test_a_submitted_check_in_is_never_changed_and_its_writer_is_told_how_to_edit_it(team, member):
    submitted = CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted",
                                       submitted_at=at(3), progress="All done.", version=2)

    taken = take(mail.outlook(mail.address(member, team)))

    submitted.refresh_from_db()
    assert (taken.outcome, submitted.progress, submitted.version) == ("submitted", "All done.", 2)
    told = Notification.objects.get(recipient=member, kind=replies.CHECKIN_BY_EMAIL)
    assert "already submitted" in told.subject and "Update check-in" in told.body and mail.WRITTEN in told.body
    assert told.url == url("this_week")


def _forged(member, team, other_team):
    good = mail.address(member, team)
    local, _, domain = good.partition("@")
    return mail.gmail(f"{local[:-4]}aaaa@{domain}")


def _tampered_week(member, team, other_team):
    """The address of the week before, its signature kept: the signature no longer matches."""
    good, earlier = mail.address(member, team), mail.address(member, team, MONDAY - timedelta(days=7))
    week = earlier.split("-")[2]
    parts = good.split("-")
    return mail.gmail("-".join([*parts[:2], week, *parts[3:]]))


def _other_team(member, team, other_team):
    """A genuine address of a team the person is not in."""
    return mail.gmail(mail.address(member, other_team))


def _wrong_sender(member, team, other_team):
    return mail.gmail(mail.address(member, team), sender="Max Member <max.member@elsewhere.example.com>")


def _out_of_office(member, team, other_team):
    return mail.gmail(mail.address(member, team), Auto_Submitted="auto-replied")


def _not_ours(member, team, other_team):
    return mail.gmail("platform-team@example.com")


@pytest.mark.parametrize("reply, forged", [
    (_forged, True), (_tampered_week, True), (_wrong_sender, True), (_not_ours, True), (_other_team, False),
    (_out_of_office, False)], ids=lambda case: getattr(case, "__name__", ""))
def test_a_reply_that_is_not_genuine_is_refused_and_writes_nothing(team, other_team, member, reply, forged):
    before = written()

    with pytest.raises(replies.ReplyRefused) as refused:
        take(reply(member, team, other_team))

    assert refused.value.forged is forged
    assert written() == before


def test_a_reply_for_a_closed_week_or_from_someone_no_longer_in_the_team_is_refused(team, member):
    reply = mail.iphone(mail.address(member, team))
    before = written()

    with pytest.raises(replies.ReplyRefused, match="has ended"):
        take(reply, now=at(0, "09:00", monday=MONDAY + timedelta(days=7)))
    Membership.objects.filter(user=member, team=team).delete()
    with pytest.raises(replies.ReplyRefused, match="no longer in the team"):
        take(reply)

    assert written() == before


def test_the_same_message_is_taken_once_by_its_message_id_or_else_by_its_bytes(team, member):
    to = mail.address(member, team)
    reply = mail.gmail(to)

    assert [take(reply).outcome, take(reply).outcome] == ["drafted", "replayed"]
    # Without a Message-ID: the same bytes are the same message; other bytes another one.
    anonymous = mail.outlook(to, message_id=None)
    assert [take(anonymous).outcome, take(anonymous).outcome] == ["drafted", "replayed"]
    assert take(mail.signed(to, message_id=None)).outcome == "drafted"

    assert CheckIn.objects.get().progress == "\n\n".join([mail.WRITTEN] * 3)
    assert InboundReply.objects.filter(message_id__startswith="sha256:").count() == 2
    assert Notification.objects.filter(kind=replies.CHECKIN_BY_EMAIL).count() == 3


def test_erasing_the_person_deletes_the_record_of_their_replies(team, member):
    take(mail.gmail(mail.address(member, team)))

    subject = ErasureSubject(person=member, email=member.email, name=member.name, now=FRIDAY)
    assert replies.erase(subject) == {"e-mail reply record deleted": 1}
    assert not InboundReply.objects.exists()
