"""The phase rules of a retrospective, asked of the services: what is open when, and who moved it on."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from alignment.errors import ActionRefused
from reviews.models import (
    NonNegotiableRating,
    PromptTemplate,
    RetroAction,
    RetroCard,
    RetroPrompt,
    Retrospective,
    RetroTheme,
    RetroVote,
)
from reviews.retro import services
from tests.reviews.retro_factories import (
    CYCLE_START,
    REVIEW_DAY,
    charter_in_force,
    closed_cycle,
    open_cycle,
    prompt_of,
    session,
    set_phase,
    theme,
    url,
    write_card,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def charter(team, leader, member, facilitator):
    return charter_in_force(team)


@pytest.fixture
def cycle(team, charter):
    return open_cycle(team, charter)


def _advance(retro, actor, team):
    return services.advance_phase(retrospective_id=retro.pk, team=team, actor=actor, expected_phase=retro.phase)


class TestStarting:
    def test_the_charter_review_asks_about_every_part_of_the_charter(self, team, cycle, facilitator):
        retro = services.start_retrospective(team=team, actor=facilitator)

        assert [p.text for p in retro.prompts.all()] == [
            "Is our purpose still right?", "Did “Reviewed code only” hold?", "Did “No pager heroics” hold?",
            "Did our boundaries work?", "What did our goals teach us?", "Were our conscious investments worth it?",
            "What should we keep doing?", "What should we change?", "What should we try next cycle?"]
        assert (retro.phase, retro.facilitator, retro.cycle) == ("setup", facilitator, cycle)

    def test_the_team_hears_once_that_the_session_started(self, team, cycle, facilitator, leader, member):
        from notifications.models import Notification
        from reviews.notices import RETRO_STARTED

        retro = services.start_retrospective(team=team, actor=facilitator)
        assert not Notification.objects.filter(kind=RETRO_STARTED).exists()  # getting ready tells nobody
        _advance(retro, facilitator, team)

        told = Notification.objects.filter(kind=RETRO_STARTED)
        assert sorted(told.values_list("recipient__email", flat=True)) == ["leader@example.com",
                                                                           "member@example.com"]
        assert {n.url for n in told} == {retro.get_absolute_url()}
        assert "has started" in told.first().subject

    def test_starting_twice_opens_one_session(self, team, cycle, facilitator, leader):
        first = services.start_retrospective(team=team, actor=facilitator)

        assert services.start_retrospective(team=team, actor=leader) == first
        assert Retrospective.objects.count() == 1

    def test_without_an_open_cycle_there_is_nothing_to_review(self, team, charter, facilitator):
        with pytest.raises(ActionRefused, match="no open cycle"):
            services.start_retrospective(team=team, actor=facilitator)

    def test_it_reviews_the_previous_sessions_actions_first(self, team, charter, facilitator):
        earlier = closed_cycle(team, charter, number=1, start=CYCLE_START - timedelta(weeks=6))
        before = Retrospective.objects.create(team=team, cycle=earlier, phase="closed", closed_at=REVIEW_DAY)
        open_cycle(team, charter, number=2)

        assert services.start_retrospective(team=team, actor=facilitator).previous == before

    def test_a_saved_template_starts_the_next_session(self, team, cycle, facilitator):
        retro = session(team, facilitator)
        services.add_prompt(retrospective_id=retro.pk, team=team, actor=facilitator, text="Who helped you?")
        services.remove_prompt(retrospective_id=retro.pk, team=team, actor=facilitator,
                               prompt_id=prompt_of(retro, "investments").pk)
        saved = services.save_template(retrospective_id=retro.pk, team=team, actor=facilitator, name="Ours")
        assert [i.kind for i in saved.items.all()] == ["purpose", "non_negotiable", "boundaries", "goals", "keep",
                                                       "change", "try", "custom"]
        Retrospective.objects.all().delete()

        again = services.start_retrospective(team=team, actor=facilitator, template_id=saved.pk)

        kinds = [p.kind for p in again.prompts.all()]
        assert kinds.count("non_negotiable") == 2 and "investments" not in kinds
        assert again.prompts.last().text == "Who helped you?"

    def test_saving_under_the_same_name_replaces_the_template(self, team, cycle, facilitator):
        retro = session(team, facilitator)
        services.save_template(retrospective_id=retro.pk, team=team, actor=facilitator, name="Ours")
        services.remove_prompt(retrospective_id=retro.pk, team=team, actor=facilitator,
                               prompt_id=prompt_of(retro, "try").pk)
        services.save_template(retrospective_id=retro.pk, team=team, actor=facilitator, name="Ours")

        assert PromptTemplate.objects.count() == 1
        assert "try" not in PromptTemplate.objects.get().items.values_list("kind", flat=True)


class TestPrompts:
    def test_prompts_reorder_before_collecting(self, team, cycle, facilitator):
        retro = session(team, facilitator)
        keep = prompt_of(retro, "keep")

        services.move_prompt(retrospective_id=retro.pk, team=team, actor=facilitator, prompt_id=keep.pk,
                             direction="up")

        kinds = list(RetroPrompt.objects.filter(retrospective=retro).values_list("kind", flat=True))
        assert kinds.index("keep") < kinds.index("investments")

    def test_prompts_are_fixed_once_collecting_starts(self, team, cycle, facilitator):
        retro = session(team, facilitator, phase="collect")

        with pytest.raises(ActionRefused, match="Prompts are set before collecting starts"):
            services.add_prompt(retrospective_id=retro.pk, team=team, actor=facilitator, text="Late question")


class TestSettings:
    def test_anonymity_is_chosen_before_the_start(self, team, cycle, facilitator):
        retro = session(team, facilitator, phase="review_actions")

        with pytest.raises(ActionRefused, match="Anonymity is chosen before the session starts"):
            services.update_settings(retrospective_id=retro.pk, team=team, actor=facilitator, is_anonymous=True,
                                     hide_text_while_collecting=False, votes_per_person=3)

    def test_votes_per_person_change_until_voting_starts(self, team, cycle, facilitator):
        retro = session(team, facilitator, phase="group")
        services.update_settings(retrospective_id=retro.pk, team=team, actor=facilitator, is_anonymous=False,
                                 hide_text_while_collecting=False, votes_per_person=5)
        set_phase(retro, "vote")

        with pytest.raises(ActionRefused, match="fixed once voting has started"):
            services.update_settings(retrospective_id=retro.pk, team=team, actor=facilitator, is_anonymous=False,
                                     hide_text_while_collecting=False, votes_per_person=2)
        assert Retrospective.objects.get().votes_per_person == 5


class TestPhases:
    def test_the_facilitator_walks_every_phase_in_order(self, team, cycle, facilitator):
        retro = session(team, facilitator)
        seen = [retro.phase]
        while not retro.is_closed:
            retro = _advance(retro, facilitator, team)
            seen.append(retro.phase)

        assert seen == ["setup", "review_actions", "collect", "group", "vote", "discuss", "actions", "closed"]
        assert retro.started_at is not None and retro.closed_at is not None

    def test_a_second_advance_from_the_same_phase_is_told_who_moved_it(self, team, cycle, facilitator, leader):
        retro = session(team, facilitator, phase="collect")
        services.advance_phase(retrospective_id=retro.pk, team=team, actor=facilitator, expected_phase="collect")

        with pytest.raises(ActionRefused, match="Fay Facilitator already moved the session on to “Group”"):
            services.advance_phase(retrospective_id=retro.pk, team=team, actor=leader, expected_phase="collect")
        assert Retrospective.objects.get().phase == "group"

    def test_last_sessions_actions_are_reviewed_before_collecting(self, team, charter, facilitator, member):
        earlier = closed_cycle(team, charter, number=1, start=CYCLE_START - timedelta(weeks=6))
        before = Retrospective.objects.create(team=team, cycle=earlier, phase="closed", closed_at=REVIEW_DAY)
        action = RetroAction.objects.create(retrospective=before, kind="commitment", title="Runbooks",
                                            owner=member, due_on=CYCLE_START, standard="One per alert")
        open_cycle(team, charter, number=2)
        retro = session(team, facilitator, phase="review_actions")

        with pytest.raises(ActionRefused, match="1 still to review"):
            _advance(retro, facilitator, team)
        services.review_action(retrospective_id=retro.pk, team=team, actor=facilitator, action_id=action.pk,
                               review="not_done")

        assert _advance(retro, facilitator, team).phase == "collect"
        action.refresh_from_db()
        assert (action.review, action.reviewed_by) == ("not_done", facilitator)

    def test_voting_starts_with_every_lone_card_as_a_theme_of_its_own(self, team, cycle, facilitator, member):
        retro = session(team, facilitator, phase="group")
        grouped = theme(retro, "Deploys", write_card(retro, member, "Calmer releases"))
        write_card(retro, member, "Pairing on   incidents\nworked")
        RetroTheme.objects.create(retrospective=retro, name="Emptied")

        _advance(retro, facilitator, team)

        assert set(RetroTheme.objects.values_list("name", flat=True)) == {"Deploys", "Pairing on incidents worked"}
        assert not RetroCard.objects.filter(theme__isnull=True).exists()
        assert RetroTheme.objects.filter(pk=grouped.pk).exists()


class TestCards:
    def test_no_cards_after_collecting(self, team, cycle, facilitator, member):
        retro = session(team, facilitator, phase="group")

        with pytest.raises(ActionRefused, match="Cards are written while collecting"):
            services.add_card(retrospective_id=retro.pk, team=team, author=member, prompt_id=prompt_of(retro).pk,
                              text="Too late", token=uuid.uuid4())

    def test_the_same_form_sent_twice_writes_one_card(self, team, cycle, facilitator, member):
        retro = session(team, facilitator, phase="collect")
        token = uuid.uuid4()
        for _ in range(2):
            services.add_card(retrospective_id=retro.pk, team=team, author=member, prompt_id=prompt_of(retro).pk,
                              text="Pairing", token=token)

        assert RetroCard.objects.count() == 1

    def test_only_its_author_changes_or_takes_back_a_card(self, team, cycle, facilitator, member):
        retro = session(team, facilitator, phase="collect")
        card = write_card(retro, member, "Pairing")

        with pytest.raises(ActionRefused, match="Only a card's author"):
            services.edit_card(retrospective_id=retro.pk, team=team, author=facilitator, card_key=card.key,
                               text="Mine now")
        with pytest.raises(ActionRefused, match="Only a card's author"):
            services.delete_card(retrospective_id=retro.pk, team=team, author=facilitator, card_key=card.key)
        services.edit_card(retrospective_id=retro.pk, team=team, author=member, card_key=card.key, text="Pairing!")

        assert RetroCard.objects.get().text == "Pairing!"

    def test_every_write_moves_the_version_the_live_pages_watch(self, team, cycle, facilitator, member):
        retro = session(team, facilitator, phase="collect")
        before = retro.version

        services.add_card(retrospective_id=retro.pk, team=team, author=member, prompt_id=prompt_of(retro).pk,
                          text="Pairing", token=uuid.uuid4())

        assert Retrospective.objects.get().version == before + 1


class TestRatings:
    def test_each_person_rates_each_non_negotiable_once(self, team, cycle, facilitator, member):
        retro = session(team, facilitator, phase="collect")
        nn = prompt_of(retro, "non_negotiable").non_negotiable_id
        services.rate_non_negotiables(retrospective_id=retro.pk, team=team, participant=member, ratings={nn: "held"})
        services.rate_non_negotiables(retrospective_id=retro.pk, team=team, participant=member,
                                      ratings={nn: "broken"})

        assert list(NonNegotiableRating.objects.values_list("rating", flat=True)) == ["broken"]

    def test_ratings_are_given_while_collecting(self, team, cycle, facilitator, member):
        retro = session(team, facilitator, phase="vote")
        nn = prompt_of(retro, "non_negotiable").non_negotiable_id

        with pytest.raises(ActionRefused, match="rated while collecting"):
            services.rate_non_negotiables(retrospective_id=retro.pk, team=team, participant=member,
                                          ratings={nn: "held"})


class TestVotes:
    def test_votes_within_the_limit(self, team, cycle, facilitator, member):
        retro = session(team, facilitator, phase="vote", votes=2)
        deploys = theme(retro, "Deploys", write_card(retro, member, "Calmer releases"))
        for _ in range(2):
            services.cast_vote(retrospective_id=retro.pk, team=team, voter=member, theme_id=deploys.pk)

        with pytest.raises(ActionRefused, match="used all 2 of your votes"):
            services.cast_vote(retrospective_id=retro.pk, team=team, voter=member, theme_id=deploys.pk)
        services.withdraw_vote(retrospective_id=retro.pk, team=team, voter=member, theme_id=deploys.pk)
        services.cast_vote(retrospective_id=retro.pk, team=team, voter=member, theme_id=deploys.pk)

        assert sorted(RetroVote.objects.values_list("slot", flat=True)) == [0, 1]

    def test_no_votes_outside_the_vote(self, team, cycle, facilitator, member):
        retro = session(team, facilitator, phase="discuss")
        deploys = theme(retro, "Deploys", write_card(retro, member, "Calmer releases"))

        with pytest.raises(ActionRefused, match="Votes are cast in the vote phase"):
            services.cast_vote(retrospective_id=retro.pk, team=team, voter=member, theme_id=deploys.pk)

    def test_counts_are_hidden_from_everyone_until_the_vote_ends(self, login, team, cycle, facilitator, member,
                                                                 leader):
        retro = session(team, facilitator, phase="vote")
        deploys = theme(retro, "Deploys", write_card(retro, member, "Calmer releases"))
        for voter in (member, leader, leader):
            services.cast_vote(retrospective_id=retro.pk, team=team, voter=voter, theme_id=deploys.pk)

        for person in (facilitator, member, leader):
            body = login(person).get(retro.get_absolute_url()).content.decode()
            assert 'class="votes"' not in body and "<strong>3</strong> votes" not in body
        assert "your votes: 2" in login(leader).get(retro.get_absolute_url()).content.decode()
        assert "3 votes cast so far, by 2 people" in login(member).get(retro.get_absolute_url()).content.decode()

        set_phase(retro, "discuss")

        body = login(member).get(retro.get_absolute_url()).content.decode()
        assert '<span class="votes"><strong>3</strong> votes</span>' in body


class TestDiscussing:
    def test_the_timer_stores_its_end_instant(self, team, cycle, facilitator, member, monkeypatch, login):
        from django.utils import timezone

        retro = session(team, facilitator, phase="discuss")
        deploys = theme(retro, "Deploys", write_card(retro, member, "Calmer releases"))
        monkeypatch.setattr(timezone, "now", lambda: REVIEW_DAY)

        services.start_timer(retrospective_id=retro.pk, team=team, actor=facilitator, theme_id=deploys.pk, minutes=5)
        retro.refresh_from_db()
        assert (retro.discussing, retro.timer_ends_at) == (deploys, REVIEW_DAY + timedelta(minutes=5))

        monkeypatch.setattr(timezone, "now", lambda: REVIEW_DAY + timedelta(minutes=3, seconds=30))
        body = login(member).get(retro.get_absolute_url()).content.decode()
        assert '<span class="timer-clock" role="timer" aria-label="Time left">1:30</span>' in body
        assert f'data-ends-at="{(REVIEW_DAY + timedelta(minutes=5)).isoformat()}"' in body

        services.add_time(retrospective_id=retro.pk, team=team, actor=facilitator, minutes=2)
        assert Retrospective.objects.get().timer_ends_at == REVIEW_DAY + timedelta(minutes=7)

    def test_notes_are_taken_while_discussing_and_agreeing_actions(self, team, cycle, facilitator, member):
        retro = session(team, facilitator, phase="vote")
        deploys = theme(retro, "Deploys", write_card(retro, member, "Calmer releases"))

        with pytest.raises(ActionRefused, match="Notes are taken while discussing"):
            services.add_note(retrospective_id=retro.pk, team=team, author=member, theme_id=deploys.pk,
                              text="Tuesdays", token=uuid.uuid4())
        set_phase(retro, "discuss")
        services.add_note(retrospective_id=retro.pk, team=team, author=member, theme_id=deploys.pk,
                          text="Tuesdays", token=uuid.uuid4())

        assert deploys.notes.count() == 1


def test_grouping_by_ticking_cards_into_a_new_or_existing_theme(login, team, cycle, facilitator, member):
    retro = session(team, facilitator, phase="group")
    first, second, third = (write_card(retro, member, text) for text in ("Calm", "Quiet", "Slow"))
    client = login(member)

    client.post(url("retro_group", retro.pk), {"cards": [first.key, second.key], "name": "Release rhythm"})
    made = RetroTheme.objects.get()
    client.post(url("retro_group", retro.pk), {"cards": [third.key], "theme": made.pk})
    client.post(url("retro_card_move", retro.pk, first.key), {"theme": ""})

    assert set(made.cards.values_list("text", flat=True)) == {"Quiet", "Slow"}
    assert RetroCard.objects.get(pk=first.pk).theme is None


def test_hidden_cards_show_only_to_their_author_until_collecting_ends(login, team, cycle, facilitator, member,
                                                                     leader):
    retro = session(team, facilitator, phase="collect", hide_text=True)
    write_card(retro, member, "Pairing on deploys")

    assert "Pairing on deploys" in login(member).get(retro.get_absolute_url()).content.decode()
    hidden = login(leader).get(retro.get_absolute_url()).content.decode()
    assert "Pairing on deploys" not in hidden and "A card: its words show when collecting ends." in hidden

    set_phase(retro, "group")

    assert "Pairing on deploys" in login(leader).get(retro.get_absolute_url()).content.decode()
