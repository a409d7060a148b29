"""The leader's week: who checked in, open blockers with their age, resolving one, load and the charter pulse."""

from __future__ import annotations

import pytest

from alignment.permissions import Capability
from charters.models import NonNegotiable
from checkins.models import Blocker, CheckIn
from tests.checkins.conftest import MONDAY, at, url

pytestmark = pytest.mark.django_db


def checkin(team, author, *, submitted=True, **fields):
    state = {"state": "submitted", "submitted_at": at(3)} if submitted else {}
    return CheckIn.objects.create(team=team, author=author, week=MONDAY, **state, **fields)


@pytest.fixture
def as_leader(login, leader, frozen):
    frozen(at(4, "12:00"))
    return login(leader)


def test_missing_people_come_first_then_drafts_then_submitted(as_leader, team, member, facilitator, make_user,
                                                             add_member):
    drafter = make_user("dora@example.com", "Dora Drafter")
    add_member(team, drafter, "member")
    checkin(team, member, progress="Shipped the export", load="overloaded")
    checkin(team, drafter, submitted=False, progress="half")

    body = as_leader.get(url("week")).content.decode()

    assert body.index("Fay Facilitator") < body.index("Dora Drafter") < body.index("Max Member")
    assert "not started" in body and "draft" in body
    assert "Shipped the export" in body
    assert "half" not in body  # a draft is still its writer's own
    assert "Lena Leader" not in body.split("Who has checked in")[1].split("Open blockers")[0]


def test_open_blockers_show_who_raised_them_who_could_help_and_their_age(as_leader, team, member, facilitator):
    raised = checkin(team, member)
    Blocker.objects.create(check_in=raised, what="Staging VPN broken", opened_at=at(1), who_could_help=facilitator)
    Blocker.objects.create(check_in=checkin(team, facilitator, submitted=False), what="Draft-only worry")

    body = as_leader.get(url("week")).content.decode()

    assert "Staging VPN broken" in body and "Raised by Max Member" in body
    assert "open 3 days" in body and "Fay Facilitator" in body
    assert "Draft-only worry" not in body


def test_the_leader_resolves_a_blocker_with_a_note(as_leader, team, member, leader):
    blocker = Blocker.objects.create(check_in=checkin(team, member), what="Staging VPN broken", opened_at=at(1))

    response = as_leader.post(url("resolve_blocker", blocker.pk),
                              {"resolution": "IT reset the certificate", "week": MONDAY.isoformat()}, follow=True)

    blocker.refresh_from_db()
    assert (blocker.resolved_by, blocker.resolution) == (leader, "IT reset the certificate")
    assert "Resolved: “Staging VPN broken”" in response.content.decode()
    assert "No open blockers" in response.content.decode()


def test_resolving_a_blocker_of_another_team_changes_nothing(as_leader, other_team, outsider):
    theirs = CheckIn.objects.create(team=other_team, author=outsider, week=MONDAY, state="submitted",
                                    submitted_at=at(1))
    blocker = Blocker.objects.create(check_in=theirs, what="Theirs")

    as_leader.post(url("resolve_blocker", blocker.pk), {"resolution": "x"})

    blocker.refresh_from_db()
    assert blocker.is_open


def test_load_counts_and_the_charter_pulse(as_leader, team, member, facilitator, charter):
    team.privacy_minimum = 1  # every count shown: small ones are tests/checkins/test_small_team_privacy.py's
    team.save(update_fields=["privacy_minimum"])
    strained = NonNegotiable.objects.get(title="No pager heroics")
    checkin(team, member, load="overloaded", strained_non_negotiable=strained, strain_note="Paged alone twice",
            boundary_question="Who picks the on-call tool?")
    checkin(team, facilitator, load="overloaded", strained_non_negotiable=strained)

    body = as_leader.get(url("week")).content.decode()

    assert "<dt>Overloaded</dt><dd>2</dd>" in body and "<dt>Light</dt><dd>0</dd>" in body
    assert "No pager heroics</strong> — 2 people" in body
    assert "Max Member: Paged alone twice" in body
    assert "Max Member: Who picks the on-call tool?" in body


def test_another_week_is_shown_by_its_monday_and_a_wrong_day_is_404(as_leader, team, member):
    CheckIn.objects.create(team=team, author=member, week=MONDAY.replace(day=9), state="submitted",
                           submitted_at=at(-3), progress="Earlier work on alerts")

    assert "Earlier work on alerts" in as_leader.get(url("week", query="week=2026-11-09")).content.decode()
    assert "Earlier work on alerts" not in as_leader.get(url("week")).content.decode()
    assert as_leader.get(url("week", query="week=2026-11-10")).status_code == 404


def test_a_facilitator_reads_the_week_but_cannot_resolve(login, facilitator, team, member, frozen):
    frozen(at(4))
    blocker = Blocker.objects.create(check_in=checkin(team, member), what="Staging VPN broken")
    client = login(facilitator)

    body = client.get(url("week")).content.decode()

    assert "Staging VPN broken" in body and "Resolve</button>" not in body
    assert client.post(url("resolve_blocker", blocker.pk), {"resolution": "x"}).status_code == 403


def test_check_in_capabilities_come_from_the_role_table(team, member, leader, facilitator):
    from alignment import permissions
    from checkins.permissions import may_read_checkins

    def caps(user):
        return permissions.reader_access(user, "harbour", "platform")

    assert caps(member).may_check_in and not may_read_checkins(caps(member))
    assert caps(facilitator).may_check_in and may_read_checkins(caps(facilitator))
    assert not caps(facilitator).may_answer_checkins
    assert caps(leader).can(Capability.ANSWER_CHECKINS) and not caps(leader).may_check_in
