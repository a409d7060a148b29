"""An open blocker is carried into next week's form ("still in your way?"): kept open, it stays the one row it
was (the leader's list counts it once); said resolved, submitting resolves it. A draft resolves nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from checkins.models import Blocker, CheckIn
from notifications.models import Notification
from tests.checkins.conftest import MONDAY, as_shown, at, form_data, url

pytestmark = pytest.mark.django_db

EARLIER = MONDAY - timedelta(days=7)


def raised(team, author, what: str, *, monday=EARLIER, submitted=True, **fields) -> Blocker:
    state = {"state": "submitted", "submitted_at": at(1, monday=monday)} if submitted else {}
    checkin, _ = CheckIn.objects.get_or_create(team=team, author=author, week=monday, defaults=state)
    return Blocker.objects.create(check_in=checkin, what=what, opened_at=at(1, monday=monday),
                                  position=checkin.blockers.count(), **fields)


@pytest.fixture
def as_member(login, member, frozen):
    frozen(at(2))
    return login(member)


def test_next_weeks_form_asks_about_a_still_open_blocker(as_member, team, member):
    blocker = raised(team, member, "Staging VPN broken")

    body = as_member.get(url("this_week")).content.decode()

    assert "Still in your way?" in body and "Staging VPN broken" in body
    assert f'name="carried_{blocker.pk}" value="open" id="id_carried_{blocker.pk}_0" checked' in body


def test_resolved_earlier_blockers_drafts_and_other_peoples_are_not_carried(as_member, team, member, leader):
    raised(team, member, "Already fixed", resolved_at=at(3, monday=EARLIER), resolved_by=leader)
    raised(team, member, "Never shared", monday=EARLIER - timedelta(days=7), submitted=False)
    raised(team, leader, "The leader's own")

    body = as_member.get(url("this_week")).content.decode()

    assert "Still in your way?" not in body
    assert "Already fixed" in body  # last week's list, marked resolved — not a question


def test_a_blocker_from_weeks_ago_is_carried_even_after_a_missed_week(as_member, team, member):
    raised(team, member, "Vendor contract unsigned", monday=EARLIER - timedelta(days=14))

    assert "Vendor contract unsigned" in as_member.get(url("this_week")).content.decode()


def test_submitting_with_it_resolved_resolves_it_with_the_note(as_member, team, member, facilitator):
    blocker = raised(team, member, "Staging VPN broken", who_could_help=facilitator)

    response = as_member.post(url("submit"), form_data(**{f"carried_{blocker.pk}": "resolved",
                                                          f"carried_{blocker.pk}_resolution": "Fixed it myself"}))

    assert response.status_code == 302
    blocker.refresh_from_db()
    assert (blocker.resolved_by, blocker.resolution, blocker.resolved_at) == (member, "Fixed it myself", at(2))
    # The person named as who could help hears of it, once; the raiser resolved it themselves.
    told = Notification.objects.filter(kind="blocker_resolved")
    assert [(n.recipient, n.subject) for n in told] == [
        (facilitator, "Platform: Max Member resolved their own blocker “Staging VPN broken”")]
    assert "How: Fixed it myself" in told.get().body
    assert "Still in your way?" not in as_member.get(url("this_week")).content.decode()


def test_kept_open_it_stays_one_row_and_the_leader_counts_it_once(as_member, login, team, member, leader):
    blocker = raised(team, member, "Staging VPN broken")

    as_member.post(url("submit"), form_data(**{f"carried_{blocker.pk}": "open"}))

    assert list(Blocker.objects.values_list("pk", "resolved_at")) == [(blocker.pk, None)]
    week = login(leader).get(url("week")).content.decode()
    assert week.count("Staging VPN broken") == 1 and week.count("Raised by") == 1
    assert "open 8 days" in week  # its age runs on from when it was raised
    assert "Staging VPN broken" in login(member).get(url("this_week")).content.decode()  # still asked


def test_saving_a_draft_resolves_nothing(as_member, team, member):
    blocker = raised(team, member, "Staging VPN broken")

    as_member.post(url("save_draft"), form_data(**{f"carried_{blocker.pk}": "resolved"}))

    blocker.refresh_from_db()
    assert blocker.is_open


def test_naming_someone_elses_blocker_resolves_nothing(as_member, team, member, leader):
    theirs = raised(team, leader, "The leader's own")
    same_week = raised(team, member, "Raised this week", monday=MONDAY)

    as_member.post(url("submit"), form_data(**{f"carried_{theirs.pk}": "resolved",
                                               f"carried_{same_week.pk}": "resolved",
                                               "blocker_0_what": "Raised this week"}))

    assert Blocker.objects.filter(resolved_at__isnull=False).count() == 0


def test_the_form_as_shown_submits_as_is(as_member, team, member):
    """Every field the page draws reads back: the carried choice is posted with the rest, kept open."""
    blocker = raised(team, member, "Staging VPN broken")
    shown = as_shown(as_member)

    assert shown[f"carried_{blocker.pk}"] == "open"
    as_member.post(url("submit"), shown | {"progress": "Moved on", "load": "light"})
    blocker.refresh_from_db()
    assert blocker.is_open


@pytest.mark.parametrize("carried", [1, 12])
def test_this_weeks_page_costs_the_same_with_one_carried_blocker_or_many(as_member, team, member, carried,
                                                                        django_assert_num_queries):
    for n in range(carried):
        raised(team, member, f"Blocker {n}", monday=EARLIER - timedelta(days=7 * (n % 3)))

    # user, the person's memberships (team_access, the header's team switcher, and the header's bell's unread
    # count), the non-negotiables of the charter in force, its goals with their key results, the team's people,
    # this and last week's check-ins, their blockers with the member's still open from earlier weeks, this week's
    # key-result updates (none: there is no check-in this week, but they are sent with the rest rather than after
    # it), the member's open commitments, and the replies to last week's (submitted) check-in.
    with django_assert_num_queries(10):
        response = as_member.get(url("this_week"))

    assert response.content.decode().count('class="blocker-row carried"') == carried
