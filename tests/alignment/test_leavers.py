"""Leavers: an admin deactivates someone; they lose access at once, what they carried goes to a leader with a
notice, and what they wrote stays, marked "former member"."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from alignment import services
from alignment.confirm import CONFIRMED
from alignment.errors import ActionRefused
from alignment.models import AuditEvent, AuditKind, Membership, Organisation, Team
from checkins.models import Blocker, CheckIn, Commitment, Renegotiation
from notifications.models import Delivery

PEOPLE_URL = reverse("organisation_people", args=["harbour"])


def deactivate_url(person) -> str:
    return reverse("person_deactivate", args=["harbour", person.pk])


@pytest.fixture
def carried(team, member, facilitator):
    """Max owns an open commitment and one asked of him; his check-in raised an open blocker, and Fay's names him
    as who could help. A done commitment and a resolved blocker stay as they are."""
    open_one = Commitment.objects.create(team=team, owner=member, title="Fix the rota", standard="Published",
                                         due_on=date(2030, 1, 10), state=Commitment.State.OPEN)
    asked = Commitment.objects.create(team=team, owner=member, title="Write the runbook", standard="Reviewed",
                                      due_on=date(2030, 1, 17), state=Commitment.State.REQUESTED)
    done = Commitment.objects.create(team=team, owner=member, title="Old thing", standard="Done",
                                     due_on=date(2029, 1, 1), state=Commitment.State.DONE)
    mine = CheckIn.objects.create(team=team, author=member, week=date(2029, 12, 31), state="submitted", version=1,
                                  submitted_at=timezone.now(), progress="Rota half done")
    raised = Blocker.objects.create(check_in=mine, what="No access to the rota tool")
    Blocker.objects.create(check_in=mine, what="Solved", position=1, resolved_at=mine.created_at)
    hers = CheckIn.objects.create(team=team, author=facilitator, week=date(2029, 12, 31), state="submitted",
                                  version=1, submitted_at=timezone.now())
    naming = Blocker.objects.create(check_in=hers, what="Need Max's numbers", who_could_help=member)
    return {"open": open_one, "asked": asked, "done": done, "raised": raised, "naming": naming, "checkin": mine}


class TestDeactivating:
    def test_sessions_end_at_once(self, client, leader, member, django_capture_on_commit_callbacks):
        client.force_login(member)
        assert client.get(reverse("home")).status_code == 200

        with django_capture_on_commit_callbacks(execute=True):  # the cache in front of the sessions, once committed
            handed = services.deactivate_person(organisation=leader.administered_organisations.get(), person=member,
                                                actor=leader)

        assert handed["session"] == 1
        assertRedirects(client.get(reverse("profile")), f"{reverse('login')}?next={reverse('profile')}",
                        fetch_redirect_response=False)
        member.refresh_from_db()
        assert not member.is_active
        assert not Membership.objects.filter(user=member).exists()

    def test_commitments_and_blockers_go_to_the_leader_with_a_notice_each(self, organisation, leader, member,
                                                                          carried):
        handed = services.deactivate_person(organisation=organisation, person=member, actor=leader)

        assert handed == {"commitment": 2, "blocker": 2, "session": 0}
        for key in ("open", "asked"):
            carried[key].refresh_from_db()
            assert carried[key].owner == leader and carried[key].is_requested
        carried["done"].refresh_from_db()
        assert carried["done"].owner == member
        hand_over = Renegotiation.objects.get(commitment=carried["open"])
        assert hand_over.is_hand_over and hand_over.was_owner == member and hand_over.is_accepted
        assert {b.who_could_help for b in Blocker.objects.open()} == {leader}
        notices = Delivery.objects.filter(recipient=leader)
        assert {(d.kind, d.key) for d in notices} == {
            ("blocker_named", f"blocker:{carried['naming'].pk}:handed:{leader.pk}"),
            ("blocker_named", f"blocker:{carried['raised'].pk}:handed:{leader.pk}"),
            ("commitment_request", f"commitment:{carried['open'].pk}:v1"),
            ("commitment_request", f"commitment:{carried['asked'].pk}:v1"),
        }
        assert all("Max Member left" in d.subject for d in notices)

    def test_an_audit_event_says_what_happened(self, organisation, leader, member, carried):
        services.deactivate_person(organisation=organisation, person=member, actor=leader)

        event = AuditEvent.objects.get(kind=AuditKind.PERSON_DEACTIVATED)
        assert event.organisation == organisation and event.actor == leader
        assert event.changes["person"] == member.email
        assert event.changes["teams"] == "Platform (member)"
        # What reactivating would give back is kept apart from the trail, which its retention purges.
        [kept] = services.deactivations(organisation).values()
        assert (kept.person, kept.by, kept.was_admin) == (member, leader, False)
        assert kept.teams == [{"team": "Platform", "team_id": carried["open"].team_id, "roles": ["member"]}]
        assert event.changes["account"] == "deactivated"
        assert event.changes["handed_over"] == {"commitment": 2, "blocker": 2, "session": 0}

    def test_someone_also_in_another_organisation_keeps_their_account_there(self, organisation, leader, member,
                                                                            add_member, client,
                                                                            django_capture_on_commit_callbacks):
        elsewhere = Organisation.objects.create(name="Elsewhere", slug="elsewhere")
        their_team = Team.objects.create(organisation=elsewhere, name="Night shift", slug="night")
        add_member(their_team, member, "leader")
        client.force_login(member)
        assert client.get(reverse("home")).context["user"] == member  # the session is in the cache now

        with django_capture_on_commit_callbacks(execute=True):
            services.deactivate_person(organisation=organisation, person=member, actor=leader)

        member.refresh_from_db()
        assert member.is_active
        assert list(Membership.objects.filter(user=member).values_list("team__name", flat=True)) == ["Night shift"]
        # Their sessions end all the same: they sign in again, to the organisation they are still in.
        assert client.get(reverse("home")).context["user"].is_anonymous
        event = AuditEvent.objects.get(kind=AuditKind.PERSON_DEACTIVATED)
        assert event.changes["account"] == "kept for another organisation"

    def test_a_teams_only_leader_is_refused_and_nothing_changes(self, organisation, admin, leader, member):
        with pytest.raises(ActionRefused, match="only leader of Platform"):
            services.deactivate_person(organisation=organisation, person=leader, actor=admin)

        leader.refresh_from_db()
        assert leader.is_active and Membership.objects.filter(user=leader).exists()
        assert not AuditEvent.objects.filter(kind=AuditKind.PERSON_DEACTIVATED).exists()

    def test_nobody_deactivates_themselves(self, organisation, admin):
        with pytest.raises(ActionRefused, match="cannot deactivate yourself"):
            services.deactivate_person(organisation=organisation, person=admin, actor=admin)

    def test_they_cannot_sign_in_and_the_lockout_still_counts(self, client, organisation, leader, member, settings):
        services.deactivate_person(organisation=organisation, person=member, actor=leader)

        response = client.post(reverse("login"), {"login": member.email, "password": "password"}, follow=True)

        assertContains(response, "This account is switched off")
        assert "_auth_user_id" not in client.session
        for _ in range(settings.AXES_FAILURE_LIMIT):
            response = client.post(reverse("login"), {"login": member.email, "password": "password"})
        assert response.status_code in (403, 429)


class TestReactivating:
    def test_a_mistake_is_undone_with_the_teams_it_had(self, organisation, team, leader, member, carried):
        services.deactivate_person(organisation=organisation, person=member, actor=leader)

        back = services.reactivate_person(organisation=organisation, person=member, actor=leader)

        member.refresh_from_db()
        assert member.is_active
        assert [(m.team, m.roles) for m in back] == [(team, ["member"])]
        assert AuditEvent.objects.filter(kind=AuditKind.PERSON_REACTIVATED).count() == 1
        assert services.deactivations(organisation) == {}
        # What was handed over stays with the leader who took it.
        carried["open"].refresh_from_db()
        assert carried["open"].owner == leader

    def test_someone_not_deactivated_is_refused(self, organisation, leader, member):
        with pytest.raises(ActionRefused, match="is not deactivated"):
            services.reactivate_person(organisation=organisation, person=member, actor=leader)


class TestTheDirectory:
    def test_deactivating_asks_first_and_says_what_will_happen(self, login, admin, member, carried):
        response = login(admin).post(deactivate_url(member))

        assertContains(response, "Deactivate Max Member?")
        assertContains(response, "Every session of Max Member")
        assertContains(response, "Their 2 commitments and 2 blockers still open go to each team")
        member.refresh_from_db()
        assert member.is_active

    def test_confirmed_it_deactivates_and_lists_them_with_reactivate(self, login, admin, member):
        client = login(admin)
        response = client.post(deactivate_url(member), CONFIRMED, follow=True)

        assertRedirects(response, PEOPLE_URL)
        assertContains(response, "Max Member is deactivated in Harbour Health")
        assertContains(response, reverse("person_reactivate", args=["harbour", member.pk]))

        response = client.post(reverse("person_reactivate", args=["harbour", member.pk]), follow=True)
        assertContains(response, "Max Member is reactivated in Harbour Health, back in Platform.")

    def test_a_refusal_shows_on_the_persons_row(self, login, admin, leader, member):
        response = login(admin).post(deactivate_url(leader), CONFIRMED)

        assert response.status_code == 409
        assertContains(response, "only leader of Platform", status_code=409)


class TestTheDjangoAdmin:
    def test_the_deactivate_action_calls_the_same_service(self, client, django_user_model, leader, member, carried):
        staff = django_user_model.objects.create_superuser("root@example.com", "pw")
        client.force_login(staff)

        client.post(reverse("admin:alignment_user_changelist"),
                    {"action": "deactivate", "_selected_action": [member.pk]})

        member.refresh_from_db()
        assert not member.is_active
        carried["open"].refresh_from_db()
        assert carried["open"].owner == leader
        assert AuditEvent.objects.filter(kind=AuditKind.PERSON_DEACTIVATED, actor=staff).count() == 1


class TestFormerMember:
    """What they wrote stays with their name, marked; the pages' query counts do not change."""

    @staticmethod
    def queries(client, url: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    def test_on_a_checkin_page(self, login, organisation, leader, member, carried):
        client = login(leader)
        url = reverse("checkins:checkin", args=["harbour", "platform", carried["checkin"].pk])
        before, page = self.queries(client, url)
        assert "former member" not in page

        services.deactivate_person(organisation=organisation, person=member, actor=leader)
        after, page = self.queries(client, url)

        assert "Max Member’s check-in <span class=\"badge former\">former member</span>" in page
        assert after == before

    def test_removed_from_the_team_is_a_former_member_of_it(self, login, team, leader, member, carried):
        client = login(leader)
        url = reverse("checkins:checkin", args=["harbour", "platform", carried["checkin"].pk])
        before, _ = self.queries(client, url)

        services.remove_member(membership=Membership.objects.get(team=team, user=member), actor=leader)
        after, page = self.queries(client, url)

        assert "former member" in page and after == before
        member.refresh_from_db()
        assert member.is_active

    def test_on_a_decision_page(self, login, organisation, team, leader, member, facilitator):
        from decisions import services as decisions
        from tests.charters.factories import ratified_charter

        ratified_charter(team, leader)
        decision = decisions.log_decision(team=team, actor=member, title="Try pairing", purpose_effect="advances",
                                          metric_effect="neutral")
        client = login(facilitator)
        url = reverse("decisions:detail", args=["harbour", "platform", decision.pk])
        before, page = self.queries(client, url)
        assert "former member" not in page

        services.deactivate_person(organisation=organisation, person=member, actor=leader)
        after, page = self.queries(client, url)

        assert 'by Max Member <span class="badge former">former member</span>' in page
        assert after == before

    def test_people_still_in_the_team_are_not_marked(self, login, leader, member, carried):
        response = login(leader).get(reverse("checkins:week", args=["harbour", "platform"]))
        assertNotContains(response, "former member")


def test_moving_someone_to_another_team_hands_over_what_they_carried_in_the_first(organisation, team, other_team,
                                                                                 leader, member, carried, admin):
    services.move_member(membership=Membership.objects.get(team=team, user=member), to_team=other_team,
                         actor=admin)

    for key in ("open", "asked"):
        carried[key].refresh_from_db()
        assert carried[key].owner == leader, key
    carried["done"].refresh_from_db()
    assert carried["done"].owner == member  # what is done stays theirs
    assert Membership.objects.get(user=member).team == other_team


class TestMakingALeader:
    """An admin who is in no team gives a team a second leader from People, so its only leader can leave."""

    def test_a_member_becomes_a_leader_keeping_their_roles_and_the_old_leader_can_then_go(
            self, login, organisation, team, leader, member, admin):
        client = login(admin)
        people = reverse("organisation_people", args=["harbour"])
        mine = Membership.objects.get(team=team, user=member)
        assert "Make leader" in client.get(people).content.decode()

        response = client.post(reverse("membership_make_leader", args=["harbour", mine.pk]) + f"?next={people}")

        assert response.status_code == 302 and response["Location"] == people
        mine.refresh_from_db()
        assert (mine.is_leader, mine.is_member) == (True, True)
        event = AuditEvent.objects.get(kind=AuditKind.ROLES_CHANGED)
        assert event.actor == admin and event.changes["roles"] == [["member"], ["leader", "member"]]
        services.deactivate_person(organisation=organisation, person=leader, actor=admin)  # no longer its only one

    def test_an_archived_teams_roles_stay_and_the_refusal_is_said_on_the_row(self, login, team, member, admin):
        team.archived_at = timezone.now()
        team.save(update_fields=["archived_at"])
        mine = Membership.objects.get(team=team, user=member)

        response = login(admin).post(reverse("membership_make_leader", args=["harbour", mine.pk]))

        assert response.status_code == 409 and "is archived" in response.content.decode()
        mine.refresh_from_db()
        assert not mine.is_leader
