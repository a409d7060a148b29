"""Download my data: what the zip holds for a person active in every app, and what it never holds.

Max (the member) writes something in every app; Fay (the facilitator) writes beside him in the same team,
anonymously too. Max's zip has each app's files, valid JSON and readable Markdown, and not one of Fay's
words. An admin's export of Max covers his words in their organisation only.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from alignment import audit, data_export
from alignment.data_export import ExportSubject
from alignment.models import AuditKind, Organisation, Team
from asks.models import Ask, AskComment
from charters.models import Charter, Comment, Goal, KeyResult, KeyResultProgress, NonNegotiable, Response
from checkins.models import Blocker, CheckIn, Commitment, KeyResultUpdate, Renegotiation, Reply
from decisions.models import Decision, DecisionOutcome
from notifications.models import CalendarFeed, Notification, NotificationPreference, TeamWebhook
from reviews.models import ReviewCycle
from reviews.retro.models import (
    NonNegotiableRating,
    RetroAction,
    RetroCard,
    RetroNote,
    RetroPrompt,
    Retrospective,
    RetroTheme,
    RetroVote,
)
from tests.checkins.conftest import MONDAY

EVERY_APP = ("account", "charters", "checkins", "decisions", "reviews", "asks", "notifications", "chat")


@dataclass
class Stage:
    """What people write in: a team's charters (one per round), its non-negotiables, an anonymous retrospective."""

    team: Team
    other_team: Team
    charters: list[Charter]
    key_result: KeyResult
    non_negotiables: list[NonNegotiable]
    retro: Retrospective
    prompt: RetroPrompt
    shared_theme: RetroTheme


def build_stage(team, other_team, *, rounds: int = 1) -> Stage:
    charters = [Charter.objects.create(team=team, number=n + 1, state=Charter.State.SUPERSEDED,
                                       purpose_statement="Keep the hospital's software safe to change.")
                for n in range(rounds)]
    goal = Goal.objects.create(charter=charters[0], objective="Release weekly", purpose_part="outcome")
    key_result = KeyResult.objects.create(goal=goal, metric="Releases per month", start_value=1, target_value=4)
    non_negotiables = [NonNegotiable.objects.create(charter=charters[0], title=f"Reviewed code only {n}", position=n)
                       for n in range(rounds)]
    cycle = ReviewCycle.objects.create(team=team, number=1, start_date=MONDAY, end_date=MONDAY + timedelta(weeks=6),
                                       charter=charters[0])
    retro = Retrospective.objects.create(team=team, cycle=cycle, is_anonymous=True, phase="vote")
    prompt = RetroPrompt.objects.create(retrospective=retro, kind="keep", text="What should we keep?")
    shared_theme = RetroTheme.objects.create(retrospective=retro, name="Calmer deploys")
    return Stage(team, other_team, charters, key_result, non_negotiables, retro, prompt, shared_theme)


def write_everything(person, stage: Stage, mark: str, *, rounds: int = 1) -> None:
    """Something of `person`'s in every app, each text carrying `mark`; `rounds` times over (the larger size)."""
    team, now = stage.team, timezone.now()
    for n in range(rounds):
        charter = stage.charters[n]
        Comment.objects.create(charter=charter, section="purpose", author=person, body=f"{mark} comment {n}")
        Response.objects.create(charter=charter, member=person, kind="objection", reason=f"{mark} objection {n}")
        Goal.objects.create(charter=charter, objective=f"{mark} goal {n}", purpose_part="outcome", owner=person)
        KeyResultProgress.objects.create(lineage=stage.key_result, key_result=stage.key_result, value=Decimal(2),
                                         confidence="on_track", note=f"{mark} progress {n}", recorded_by=person)
        checkin = CheckIn.objects.create(team=team, author=person, week=MONDAY + timedelta(weeks=n),
                                         state="submitted", submitted_at=now, progress=f"{mark} check-in {n}",
                                         strain_note=f"{mark} strain {n}")
        KeyResultUpdate.objects.create(check_in=checkin, key_result=stage.key_result, value=Decimal(3),
                                       confidence="at_risk")
        Blocker.objects.create(check_in=checkin, what=f"{mark} blocker {n}")
        Reply.objects.create(check_in=checkin, author=person, body=f"{mark} reply {n}", token=uuid.uuid4())
        commitment = Commitment.objects.create(team=team, owner=person, title=f"{mark} commitment {n}",
                                               standard="Done when deployed.", due_on=MONDAY + timedelta(days=4))
        Renegotiation.objects.create(commitment=commitment, kind="defer", reason=f"{mark} renegotiation {n}",
                                     asked_by=person, was_due_on=commitment.due_on, was_owner=person,
                                     proposed_due_on=commitment.due_on + timedelta(days=7))
        decision = Decision.objects.create(team=team, title=f"{mark} proposal {n}", purpose_effect="advances",
                                           metric_effect="improves", verdict="yes", logged_by=person)
        DecisionOutcome.objects.create(decision=decision, outcome="proceed", reason=f"{mark} call {n}",
                                       decided_by=person)
        mine = RetroTheme.objects.create(retrospective=stage.retro, name=f"{mark} theme {n}")
        RetroCard.objects.create(retrospective=stage.retro, prompt=stage.prompt, author=person, theme=mine,
                                 text=f"{mark} anonymous card {n}", token=uuid.uuid4())
        RetroVote.objects.create(retrospective=stage.retro, voter=person, theme=mine, slot=n)
        NonNegotiableRating.objects.create(retrospective=stage.retro, non_negotiable=stage.non_negotiables[n],
                                           participant=person, rating="strained")
        RetroNote.objects.create(retrospective=stage.retro, theme=mine, author=person, text=f"{mark} note {n}")
        RetroAction.objects.create(retrospective=stage.retro, kind="commitment", title=f"{mark} action {n}",
                                   owner=person, due_on=MONDAY + timedelta(weeks=7), created_by=person,
                                   standard="Done when the team says so.")
        ask = Ask.objects.create(asking_team=team, receiving_team=stage.other_team, asked_by=person,
                                 title=f"{mark} request {n}", body=f"{mark} why {n}", route="team_decides")
        AskComment.objects.create(ask=ask, author=person, body=f"{mark} input {n}")
        Notification.objects.create(recipient=person, kind="checkin_reply", subject=f"{mark} notification {n}",
                                    url=team.get_absolute_url())
        NotificationPreference.objects.create(user=person, kind=f"kind_{n}", email=False)
        TeamWebhook.objects.create(team=team, url=f"https://hooks.example.com/services/{mark}{n}/secret-part",
                                   created_by=person)
        audit.record(AuditKind.CONSENT_GIVEN, team=team, actor=person, summary=f"{mark} audit event {n}")
    CalendarFeed.objects.create(user=person, token_hash=uuid.uuid4().hex)


def open_zip(archive: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return {name: opened.read(name).decode() for name in opened.namelist()}


@pytest.fixture
def stage(team, other_team, leader):
    return build_stage(team, other_team)


@pytest.fixture
def max_and_fay(stage, member, facilitator):
    """Max and Fay both write in every app; Fay's words are marked "Fay-private"."""
    write_everything(member, stage, "Max-own")
    write_everything(facilitator, stage, "Fay-private")
    # Fay votes for Max's theme too: his zip has his own vote, never hers.
    RetroVote.objects.create(retrospective=stage.retro, voter=facilitator, theme=stage.shared_theme, slot=5)
    return member, facilitator


def test_the_zip_has_each_apps_files_valid_json_and_readable_markdown(max_and_fay):
    max_, _ = max_and_fay

    files = open_zip(data_export.build_archive(ExportSubject(person=max_)))

    folders = {name.split("/")[0] for name in files if "/" in name}
    assert folders == set(EVERY_APP)
    assert "README.md" in files and files["README.md"].startswith("# Data of Max Member (member@example.com)")
    for name, text in files.items():
        if name.endswith(".json"):
            json.loads(text)  # every record file is valid JSON
        else:
            assert name.endswith(".md") and text.startswith("# ")
    expected = {
        "account/account.json", "account/memberships.json", "account/invitations_sent.json",
        "account/audit_events.json", "charters/comments.json", "charters/responses.json",
        "charters/goals_owned.json", "charters/key_result_progress.json", "checkins/checkins.json",
        "checkins/commitments.json", "checkins/renegotiations.json", "checkins/replies.json",
        "decisions/proposals_logged.json", "decisions/final_calls.json", "reviews/cards.json", "reviews/votes.json",
        "reviews/ratings.json", "reviews/notes.json", "asks/requests_sent.json", "asks/input_written.json",
        "notifications/notifications.json", "notifications/preferences.json", "notifications/calendar_feed.json",
        "notifications/webhooks_added.json", "checkins/checkins.md", "reviews/retrospectives.md",
        "charters/comments.md", "decisions/decisions.md", "asks/requests.md", "account/account.md",
    }
    assert expected <= set(files)


def test_everything_max_wrote_is_in_his_zip_his_anonymous_cards_too(max_and_fay):
    max_, _ = max_and_fay

    files = open_zip(data_export.build_archive(ExportSubject(person=max_)))

    everything = "\n".join(files.values())
    for what in ("comment", "objection", "goal", "progress", "check-in", "strain", "blocker", "reply", "commitment",
                 "renegotiation", "proposal", "call", "anonymous card", "note", "action", "request", "why", "input",
                 "notification", "audit event"):
        assert f"Max-own {what} 0" in everything, what
    (checkin,) = json.loads(files["checkins/checkins.json"])
    assert checkin["what_moved"] == "Max-own check-in 0"
    assert checkin["key_result_updates"] == [{"key_result": "Releases per month", "value": "3.00",
                                             "confidence": "at_risk"}]
    assert [b["what"] for b in checkin["blockers"]] == ["Max-own blocker 0"]
    (card,) = json.loads(files["reviews/cards.json"])
    assert card["anonymous"] is True and card["card"] == "Max-own anonymous card 0"
    assert [v["theme"] for v in json.loads(files["reviews/votes.json"])] == ["Max-own theme 0"]
    assert "> Max-own check-in 0" in files["checkins/checkins.md"]
    # The webhook's address is the team's secret: masked, as the team's settings show it.
    (webhook,) = json.loads(files["notifications/webhooks_added.json"])
    assert "secret-part" not in webhook["address"]
    assert json.loads(files["account/account.json"])[0]["email"] == "member@example.com"


def test_not_one_of_another_persons_words_is_in_the_zip(max_and_fay):
    """Fay's check-ins, anonymous cards, votes, everything: not a trace of them in Max's zip, nor her address."""
    max_, fay = max_and_fay

    archive = data_export.build_archive(ExportSubject(person=max_))

    files = open_zip(archive)
    for name, text in files.items():
        assert "Fay-private" not in text, name
        assert fay.email not in text, name
    # Not even her vote on the theme Max's cards are in: his votes are his alone.
    assert len(json.loads(files["reviews/votes.json"])) == 1
    # And the other way round, from Fay's own zip.
    assert "Max-own" not in "".join(open_zip(data_export.build_archive(ExportSubject(person=fay))).values())


def test_an_admins_export_covers_only_their_organisation_and_leaves_out_what_max_keeps_to_himself(
        max_and_fay, stranger, add_member, organisation):
    max_, _ = max_and_fay
    elsewhere = Team.objects.get(slug="elsewhere-team")
    add_member(elsewhere, max_, "member")
    CheckIn.objects.create(team=elsewhere, author=max_, week=MONDAY, progress="Max-elsewhere check-in")
    Comment.objects.create(charter=Charter.objects.create(team=elsewhere, number=1), section="purpose",
                           author=max_, body="Max-elsewhere comment")
    audit.record(AuditKind.CONSENT_GIVEN, team=elsewhere, actor=max_, summary="Max-elsewhere audit event")

    files = open_zip(data_export.build_archive(ExportSubject(person=max_, organisation=organisation)))

    everything = "\n".join(files.values())
    assert "Max-elsewhere" not in everything and "Elsewhere" not in everything
    assert "Max-own comment 0" in everything  # his words in Harbour Health's shared places
    # Nor what only his team's leaders read in the app (check-ins, replies) or his secret ballots.
    assert "Max-own check-in 0" not in everything
    assert json.loads(files["checkins/checkins.json"]) == [] == json.loads(files["reviews/votes.json"])
    assert "Max-own comment 0" in everything
    # What he keeps to himself: his anonymous cards (naming their author is what anonymity forbids), and what
    # the app told him.
    assert "Max-own anonymous card" not in everything
    assert json.loads(files["reviews/cards.json"]) == []
    assert set(files) & {"notifications/notifications.json", "notifications/preferences.json"} == set()
    assert "last_login" not in json.loads(files["account/account.json"])[0]
    assert [m["organisation"] for m in json.loads(files["account/memberships.json"])] == ["Harbour Health"]
    # Without the organisation, all of it.
    assert "Max-elsewhere check-in" in "".join(open_zip(data_export.build_archive(ExportSubject(person=max_))).values())


@pytest.mark.parametrize("rounds", [1, 3])
def test_building_a_zip_takes_the_same_queries_however_much_was_written(
        rounds, team, other_team, leader, member, django_assert_num_queries):
    stage = build_stage(team, other_team, rounds=rounds)
    write_everything(member, stage, "Max-own", rounds=rounds)
    Organisation.objects.get(slug="harbour").admins.add(member)
    subject = ExportSubject(person=member)

    # account: 1 memberships with teams, 2 invitations sent, 3 organisations administered, 4 audit events,
    #          5 two-factor methods, 6 identity provider links, 7 recorded sessions;
    # notifications: 8 webhooks added, 9 notifications, 10 e-mails decided, 11 preferences, 12 calendar feed;
    # charters: 13 comments, 14 responses, 15 goals owned, 16 organisation goals owned, 17 progress recorded;
    # decisions: 18 proposals logged, 19 final calls;
    # checkins: 20 check-ins, 21 their key-result updates, 22 their blockers, 23 commitments,
    #           24 renegotiations asked, 25 replies written;
    # reviews: 26 cards, 27 votes, 28 ratings, 29 notes, 30 actions owned;
    # asks: 31 requests sent, 32 input written; chat: 33 chat accounts linked.
    with django_assert_num_queries(33):
        files = open_zip(data_export.build_archive(subject))

    assert len(json.loads(files["checkins/checkins.json"])) == rounds
    assert len(json.loads(files["reviews/cards.json"])) == rounds


def test_an_admins_export_takes_fewer_queries_and_as_many_at_any_size(
        team, other_team, leader, member, organisation, django_assert_num_queries):
    stage = build_stage(team, other_team, rounds=3)
    write_everything(member, stage, "Max-own", rounds=3)

    # As above, without what he keeps to himself: his two-factor methods, provider links and sessions (three);
    # notifications' five become one (webhooks added); nor his check-ins with their updates and blockers, his
    # replies, votes and ratings (six fewer).
    with django_assert_num_queries(19):
        data_export.build_archive(ExportSubject(person=member, organisation=organisation))
