"""Actions turn a retrospective's outcomes into commitments for the next cycle or a charter amendment draft."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from alignment.errors import ActionRefused
from charters import services as charter_services
from charters.models import Charter, Comment
from checkins.models import Commitment
from reviews.models import CycleCommitment, RetroAction
from reviews.retro import services
from tests.charters.factories import ratified_charter
from tests.reviews.retro_factories import charter_in_force, open_cycle, session, theme, url, write_card

pytestmark = pytest.mark.django_db

DUE = date(2026, 12, 11)


def _commitment(retro, team, actor, owner, **extra):
    return services.add_action(retrospective_id=retro.pk, team=team, actor=actor, kind="commitment",
                               title="Write the release checklist", owner=owner, due_on=DUE,
                               standard="Used for the next two releases", token=uuid.uuid4(), **extra)


def _amendment(retro, team, actor, **extra):
    return services.add_action(retrospective_id=retro.pk, team=team, actor=actor, kind="amendment",
                               title="Make the Friday rule a boundary", owner=actor, due_on=DUE,
                               proposed_change="Move “No Friday deploys” to the boundaries, fixed by the clinics.",
                               section="non_negotiables", token=uuid.uuid4(), **extra)


@pytest.fixture
def retro(team, leader, member, facilitator):
    cycle = open_cycle(team, charter_in_force(team))
    made = session(team, facilitator, phase="actions")
    made.cycle = cycle
    return made


class TestCommitments:
    def test_an_action_for_someone_else_asks_them_to_commit(self, retro, team, facilitator, member):
        deploys = theme(retro, "Deploys", write_card(retro, member, "Calmer releases"))

        action = _commitment(retro, team, facilitator, member, theme_id=deploys.pk)

        commitment = Commitment.objects.get()
        assert (commitment.owner, commitment.created_by, commitment.state) == (member, facilitator, "requested")
        assert (commitment.title, commitment.standard, commitment.due_on) == (
            "Write the release checklist", "Used for the next two releases", DUE)
        assert (action.commitment, action.theme) == (commitment, deploys)
        link = CycleCommitment.objects.get()
        assert (link.cycle, link.commitment, link.carry_over, link.from_action) == (retro.cycle, commitment, True,
                                                                                    action)

    def test_an_action_for_oneself_is_an_open_commitment(self, retro, team, facilitator):
        _commitment(retro, team, facilitator, facilitator)

        assert Commitment.objects.get().state == "open"

    def test_the_same_form_sent_twice_agrees_one_action(self, retro, team, facilitator, member):
        token = uuid.uuid4()
        for _ in range(2):
            services.add_action(retrospective_id=retro.pk, team=team, actor=facilitator, kind="commitment",
                                title="Checklist", owner=member, due_on=DUE, standard="Used", token=token)

        assert (RetroAction.objects.count(), Commitment.objects.count(), CycleCommitment.objects.count()) == (1, 1, 1)

    def test_a_commitment_needs_its_standard_of_completion(self, retro, team, facilitator, member):
        with pytest.raises(ActionRefused, match="standard of completion"):
            services.add_action(retrospective_id=retro.pk, team=team, actor=facilitator, kind="commitment",
                                title="Checklist", owner=member, due_on=DUE, standard=" ", token=uuid.uuid4())

    def test_actions_wait_for_the_actions_phase(self, team, leader, member, facilitator):
        open_cycle(team, charter_in_force(team))
        early = session(team, facilitator, phase="discuss")

        with pytest.raises(ActionRefused, match="Actions are agreed in the actions phase"):
            _commitment(early, team, facilitator, member)
        assert not Commitment.objects.exists()


class TestAmendments:
    @pytest.fixture
    def retro(self, team, leader, member, facilitator):
        charter = ratified_charter(team, leader)  # through the services: ratifying opens cycle 1
        assert charter.cycles.exists()
        return session(team, facilitator, phase="actions")

    def test_an_amendment_opens_a_draft_for_the_leader_with_the_change(self, retro, team, facilitator):
        action = _amendment(retro, team, facilitator)

        draft = Charter.objects.working().get(team=team)
        assert action.amendment_charter == draft and draft.based_on == Charter.objects.active_for(team)
        assert "Move “No Friday deploys” to the boundaries" in draft.amendment_note
        comment = Comment.objects.get(charter=draft)
        assert (comment.section, comment.author) == ("non_negotiables", facilitator)
        assert "From the retrospective of cycle 1" in comment.body

    def test_a_second_amendment_joins_the_draft_already_open(self, retro, team, facilitator, leader):
        open_draft = charter_services.start_amendment(team=team, actor=leader, note="Accessibility")

        _amendment(retro, team, facilitator)
        action = _amendment(retro, team, facilitator)

        assert Charter.objects.working().filter(team=team).get() == open_draft == action.amendment_charter
        assert Comment.objects.filter(charter=open_draft).count() == 2
        assert Charter.objects.get(pk=open_draft.pk).amendment_note == "Accessibility"

    def test_without_a_ratified_charter_there_is_nothing_to_amend(self, team, leader, member, facilitator):
        open_cycle(team, None)
        early = session(team, facilitator, phase="actions")

        with pytest.raises(ActionRefused, match="no ratified charter to amend"):
            _amendment(early, team, facilitator)
        assert not RetroAction.objects.exists()

    def test_through_the_page_the_facilitator_is_told_where_it_went(self, retro, team, facilitator, login):
        response = login(facilitator).post(url("retro_action_add", retro.pk), {
            "kind": "amendment", "title": "Friday rule", "owner": str(facilitator.pk), "due_on": "2026-12-11",
            "proposed_change": "Make it a boundary", "section": "boundaries", "token": str(uuid.uuid4())},
            follow=True)

        assert "Amendment noted in charter version 2, for the leader to take forward." in response.content.decode()


def test_a_typed_action_comes_back_with_its_errors_and_what_was_typed(retro, login, facilitator, member):
    response = login(facilitator).post(url("retro_action_add", retro.pk), {
        "kind": "commitment", "title": "Checklist the release", "owner": str(member.pk), "due_on": "2026-12-11",
        "standard": "", "token": str(uuid.uuid4())})

    body = response.content.decode()
    assert response.status_code == 400
    assert "A commitment needs its standard of completion." in body
    assert 'value="Checklist the release"' in body
    assert not RetroAction.objects.exists()
