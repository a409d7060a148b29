"""Who could help with a blocker hears of it once, when its check-in is submitted — never about a draft — and
again only when a later edit names someone else. A blocker naming nobody is for the team's leaders."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from checkins import services
from checkins.content import BlockerRow
from checkins.models import Blocker
from notifications import services as notifications
from notifications.models import Delivery, Notification
from tests.checkins.conftest import url
from tests.checkins.test_services import write

pytestmark = pytest.mark.django_db(transaction=True)  # emails go out when the transaction commits


def told(person, kind=services.BLOCKER_NAMED) -> list[Notification]:
    return list(Notification.objects.filter(recipient=person, kind=kind))


def test_the_person_named_hears_once_with_a_link_to_where_they_resolve_it(team, member, facilitator, leader):
    write(services.submit_checkin, team=team, author=member,
          blockers=[BlockerRow(0, "Staging VPN broken since Tuesday", facilitator, None)])
    blocker = Blocker.objects.get()

    [notice] = told(facilitator)
    assert notice.subject == "Platform: Max Member is blocked — “Staging VPN broken since Tuesday”"
    assert notice.body.startswith("Max Member wrote in their check-in for the week of 16 Nov 2026:")
    assert "They named you as who could help." in notice.body
    assert notice.url == url("week") + f"#blocker-{blocker.pk}"
    assert told(leader) == [] and told(member) == []  # a named helper: the leaders are not told as well
    [email] = mail.outbox
    assert email.to == [facilitator.email] and "Staging VPN broken since Tuesday" in email.body
    assert f"/check-ins/week/#blocker-{blocker.pk}" in email.body


def test_a_draft_tells_nobody(team, member, facilitator, leader):
    write(services.save_draft, team=team, author=member, blockers=[BlockerRow(0, "No test data", facilitator, None)])

    assert not Notification.objects.exists() and not Delivery.objects.exists() and mail.outbox == []


def test_submitting_again_tells_nobody_twice(team, member, facilitator):
    rows = [BlockerRow(0, "No test data", facilitator, None)]
    checkin = write(services.submit_checkin, team=team, author=member, blockers=rows)
    write(services.submit_checkin, team=team, author=member, version=checkin.version, blockers=rows,
          progress="Updated my progress")

    assert len(told(facilitator)) == 1 and len(mail.outbox) == 1


def test_naming_someone_else_on_a_later_edit_tells_them(team, member, facilitator, make_user, add_member):
    kwame = make_user("kwame@example.com", "Kwame Mensah")
    add_member(team, kwame, "member")
    checkin = write(services.submit_checkin, team=team, author=member,
                    blockers=[BlockerRow(0, "No test data", facilitator, None)])

    write(services.submit_checkin, team=team, author=member, version=checkin.version,
          blockers=[BlockerRow(0, "No test data, still", kwame, None)])

    assert len(told(facilitator)) == 1 and len(told(kwame)) == 1
    assert "No test data, still" in told(kwame)[0].subject


def test_a_blocker_naming_nobody_is_for_the_leaders(team, member, leader, facilitator, charter):
    goal = charter.goals.get()
    write(services.submit_checkin, team=team, author=member,
          blockers=[BlockerRow(0, "No budget for the tool", None, goal)])

    [notice] = told(leader)
    assert "so it is for the team's leaders. It holds up the goal “Release weekly”." in notice.body
    assert told(facilitator) == []  # a facilitator reads check-ins but does not answer blockers


def test_naming_oneself_tells_nobody(team, member):
    write(services.submit_checkin, team=team, author=member, blockers=[BlockerRow(0, "Need focus time", member)])

    assert not Notification.objects.exists()


def test_the_helpers_preference_is_respected(team, member, facilitator):
    notifications.set_preference(user=facilitator, kind=services.BLOCKER_NAMED, email=False, in_app=True)

    checkin = write(services.submit_checkin, team=team, author=member,
                    blockers=[BlockerRow(0, "No test data", facilitator)])

    assert len(told(facilitator)) == 1 and mail.outbox == []
    notifications.set_preference(user=facilitator, kind=services.BLOCKER_NAMED, email=False, in_app=False)
    write(services.submit_checkin, team=team, author=member, version=checkin.version,
          blockers=[BlockerRow(0, "No test data", facilitator), BlockerRow(1, "Flaky CI", facilitator)])
    assert len(told(facilitator)) == 1 and mail.outbox == []
    assert Delivery.objects.filter(recipient=facilitator).count() == 2  # claimed once each, the second skipped


def test_someone_outside_the_team_is_never_told(team, member, leader, outsider, stranger):
    write(services.submit_checkin, team=team, author=member,
          blockers=[BlockerRow(0, "No test data"), BlockerRow(1, "Flaky CI", leader)])

    assert not Notification.objects.filter(recipient__in=[outsider, stranger]).exists()
    assert all(message.to in ([leader.email],) for message in mail.outbox)


def test_submitting_through_the_form_tells_the_person_named(login, team, member, facilitator, frozen):
    from tests.checkins.conftest import at, form_data

    frozen(at(2))
    response = login(member).post(url("submit"), form_data(blocker_0_what="Waiting on security review",
                                                           blocker_0_who=str(facilitator.pk)))

    assert response.status_code == 302
    assert [n.subject for n in told(facilitator)] == [
        "Platform: Max Member is blocked — “Waiting on security review”"]


@pytest.mark.parametrize("blockers", [2, 8])
def test_telling_who_could_help_costs_the_same_for_two_blockers_or_many(team, member, leader, make_user, add_member,
                                                                       blockers, django_assert_num_queries):
    from checkins.models import CheckIn
    from tests.checkins.conftest import MONDAY, at

    checkin = CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(1))
    for n in range(blockers):
        helper = None
        if n % 2:
            helper = make_user(f"helper{n}@example.com", f"Helper {n}")
            add_member(team, helper, "member")
        Blocker.objects.create(check_in=checkin, position=n, what=f"Blocker {n}", who_could_help=helper)
    checkin = CheckIn.objects.select_related("team").get(pk=checkin.pk)

    # Inside the submitting transaction, as `submit_checkin` calls it (the e-mails go after it commits, uncounted):
    # the check-in's open blockers with who could help, the team's people (some blockers name nobody: the
    # leaders), savepoint, the claims already made, the preferences, savepoint + the new claims + release, the
    # notifications, release.
    with transaction.atomic(), django_assert_num_queries(10):
        services.tell_who_could_help(checkin, team=team, author=member, now=at(2))

    assert Notification.objects.count() == blockers  # half to their helper, half to the one leader
