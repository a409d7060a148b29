"""The admin never undoes anonymity: a superuser walks every admin page of a session and learns nobody's cards.

Max and Kwame write cards, notes, votes and ratings in an anonymous session. A superuser opens every
admin URL of the reviews models: each list plainly, through every link it offers (filters, ordering,
pages), ordered by each column both ways, searched for either author's name, email and id, as a popup;
each object's change, history and delete pages; and the admin's autocomplete. No answer carries an
author's name or email, and every lookup through who wrote something is refused with 400.
Anonymity itself cannot be unticked once the session has left its setup or has cards.
"""

from __future__ import annotations

import html
import re
import uuid

import pytest
from django.urls import reverse

from alignment.errors import ActionRefused
from reviews import admin as reviews_admin
from reviews.models import (
    NonNegotiableRating,
    RetroAction,
    RetroCard,
    RetroNote,
    Retrospective,
    RetroVote,
    ReviewCycle,
)
from reviews.retro import services
from tests.alignment.reading import form_values
from tests.reviews.retro_factories import CYCLE_END, charter_in_force, open_cycle, session, theme, write_card

pytestmark = pytest.mark.django_db

# Every model of the reviews app the admin shows, with what links it to one session.
MODELS = ["reviewcycle", "retrospective", "retrocard", "retrotheme", "retronote", "nonnegotiablerating",
          "retroaction"]

# Lookups through who wrote, voted or rated, as a prober would type them, per admin.
AUTHOR_LOOKUPS = {
    "retrocard": ["author", "author__id__exact", "author_id", "author__exact", "author__in", "author__email",
                  "author__email__iexact", "author__display_name__icontains", "author__isnull"],
    "retronote": ["author", "author__id__exact", "author_id", "author__email"],
    "nonnegotiablerating": ["participant", "participant__id__exact", "participant_id", "participant__email"],
    "retrotheme": ["cards__author", "cards__author__id__exact", "cards__author_id", "cards__author__email",
                   "votes__voter", "notes__author"],
    "retrospective": ["cards__author", "cards__author__email", "cards__author_id", "notes__author",
                      "votes__voter", "ratings__participant"],
    "reviewcycle": ["retrospectives__cards__author", "retrospectives__cards__author__email"],
}


@pytest.fixture
def authors(member, kwame):
    return [member, kwame]


@pytest.fixture
def anonymous_session(team, leader, facilitator, authors):
    """A closed anonymous session in which both authors wrote, voted, rated and took notes."""
    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase="closed", anonymous=True)
    cards = [write_card(retro, person, f"Card {n} by someone") for n in range(3) for person in authors]
    deploys = theme(retro, "Deploys", *cards[:4])
    theme(retro, "Everything else", *cards[4:])
    nn = retro.prompts.filter(kind="non_negotiable").first().non_negotiable
    for slot, person in enumerate(authors):
        RetroVote.objects.create(retrospective=retro, voter=person, theme=deploys, slot=slot)
        NonNegotiableRating.objects.create(retrospective=retro, non_negotiable=nn, participant=person,
                                           rating="broken")
        RetroNote.objects.create(retrospective=retro, theme=deploys, author=person, text=f"Said in the room {slot}",
                                 token=uuid.uuid4())
    # The one person an action names is its owner, the leader, agreed in the open.
    RetroAction.objects.create(retrospective=retro, theme=deploys, kind="commitment", title="Checklist",
                               owner=leader, due_on=CYCLE_END, standard="Used", token=uuid.uuid4())
    return retro


@pytest.fixture
def staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin@example.com", "pw"))
    return client


def _objects(retro: Retrospective) -> dict[str, list]:
    return {
        "reviewcycle": [retro.cycle],
        "retrospective": [retro],
        "retrocard": list(retro.cards.all()),
        "retrotheme": list(retro.themes.all()),
        "retronote": list(retro.notes.all()),
        "nonnegotiablerating": list(retro.ratings.all()),
        "retroaction": list(retro.actions.all()),
    }


def _links_in(body: str) -> list[str]:
    """The changelist's own links: filters, ordering by each column, pages, "show all"."""
    return sorted({html.unescape(href) for href in re.findall(r'href="(\?[^"]*)"', body)})


def _assert_names_nobody(body: str, authors, where: str) -> None:
    for person in authors:
        assert person.name not in body, where
        assert person.email not in body, where


def test_a_superuser_walking_every_admin_url_learns_nobody_s_cards(staff, anonymous_session, authors):
    objects = _objects(anonymous_session)
    site = reviews_admin.admin.site
    opened = 0

    for model in MODELS:
        changelist = reverse(f"admin:reviews_{model}_changelist")
        model_admin = site.get_model_admin(type(objects[model][0]))
        columns = len(model_admin.get_list_display(None))
        queries = ["", "?_popup=1", "?_popup=1&_to_field=id", "?all="]
        queries += [f"?o={sign}{n}" for n in range(1, columns + 1) for sign in ("", "-")]
        queries += [f"?q={term}" for person in authors for term in (person.name, person.email, person.pk)]
        queries += _links_in(staff.get(changelist).content.decode())
        for query in dict.fromkeys(queries):  # the page's own sorting links repeat some of the above
            response = staff.get(changelist + query)
            assert response.status_code == 200, (model, query)
            # The search box shows back what staff typed; the rest of the page must not.
            body = re.sub(r'value="[^"]*" id="searchbar"', "", response.content.decode())
            _assert_names_nobody(body, authors, f"{model} {query}")
            opened += 1
        for obj in objects[model]:
            for view in ("change", "history", "delete"):
                response = staff.get(reverse(f"admin:reviews_{model}_{view}", args=[obj.pk]))
                assert response.status_code == 200, (model, view)
                _assert_names_nobody(response.content.decode(), authors, f"{model} {view} {obj.pk}")
                opened += 1

    assert opened > 100  # every list, link and object was opened, not a handful


@pytest.mark.parametrize("model,lookup", [(model, lookup) for model, lookups in AUTHOR_LOOKUPS.items()
                                          for lookup in lookups])
def test_every_lookup_through_an_author_is_refused(staff, anonymous_session, member, model, lookup):
    value = (member.email if "email" in lookup else member.name if "display_name" in lookup
             else "False" if lookup.endswith("isnull") else member.pk)

    response = staff.get(reverse(f"admin:reviews_{model}_changelist"), {lookup: value})

    # Django answers a lookup its ModelAdmin refuses with 400 (DisallowedModelAdminLookup), listing nothing.
    assert response.status_code == 400
    assert "Card " not in response.content.decode()


def test_lookups_on_the_session_itself_still_work(staff, anonymous_session):
    response = staff.get(reverse("admin:reviews_retrocard_changelist"),
                         {"retrospective__id__exact": anonymous_session.pk})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 6


def test_no_column_filter_search_ordering_or_field_names_an_author(staff, anonymous_session):
    site = reviews_admin.admin.site
    for model, obj in ((RetroCard, anonymous_session.cards.first()), (RetroNote, anonymous_session.notes.first()),
                       (NonNegotiableRating, anonymous_session.ratings.first())):
        model_admin = site.get_model_admin(model)
        hidden = {"author", "participant"}
        request = staff.get(reverse(f"admin:reviews_{model._meta.model_name}_change", args=[obj.pk])).wsgi_request
        named = [*model_admin.get_list_display(request), *model_admin.get_list_filter(request),
                 *model_admin.get_search_fields(request), *(model_admin.get_ordering(request) or []),
                 *model_admin.get_fields(request, obj), *model_admin.get_readonly_fields(request, obj),
                 *model_admin.raw_id_fields, *model_admin.autocomplete_fields]
        assert not any(str(name).split("__")[0].lstrip("-") in hidden for name in named), model
        assert not model_admin.has_add_permission(request)


def test_a_card_s_author_cannot_be_set_or_read_through_its_change_form(staff, anonymous_session, member, kwame):
    card = anonymous_session.cards.filter(author=member).first()
    change = reverse("admin:reviews_retrocard_change", args=[card.pk])
    data = {name: values[0] for name, values in form_values(staff.get(change).content).items()}
    assert "author" not in data

    response = staff.post(change, {**data, "text": "Card 0, reworded by staff", "author": kwame.pk})

    assert response.status_code == 302
    card.refresh_from_db()
    assert card.text == "Card 0, reworded by staff" and card.author == member
    # The edit is in the card's history, which names the change, not the card's author.
    history = staff.get(reverse("admin:reviews_retrocard_history", args=[card.pk])).content.decode()
    assert "Changed" in history
    _assert_names_nobody(history, [member, kwame], "history")


def test_popups_cannot_point_at_an_author(staff, anonymous_session):
    for to_field in ("author", "author_id"):
        response = staff.get(reverse("admin:reviews_retrocard_changelist"), {"_popup": "1", "_to_field": to_field})
        assert response.status_code == 400, to_field


def test_autocomplete_on_the_author_field_answers_no_more_than_on_any_person_field(staff, anonymous_session,
                                                                                  member):
    # It searches everyone, as the people admin does; nothing in it says who wrote a card.
    def autocomplete(model: str, field: str):
        response = staff.get(reverse("admin:autocomplete"), {"app_label": "reviews", "model_name": model,
                                                             "field_name": field, "term": member.name})
        return response.status_code, response.content

    assert autocomplete("retrocard", "author") == autocomplete("retrospective", "facilitator")


def test_each_session_model_with_a_person_refuses_lookups_through_them():
    site = reviews_admin.admin.site
    for model in (RetroCard, RetroNote, NonNegotiableRating, Retrospective, ReviewCycle):
        model_admin = site.get_model_admin(model)
        assert isinstance(model_admin, reviews_admin.KeepsWhoSaidWhatOut), model
    assert not site.is_registered(RetroVote)


# Anonymity, once cards exist or the session has started, is not the admin's to change.

def _settings_form(staff, retro):
    change = reverse("admin:reviews_retrospective_change", args=[retro.pk])
    page = staff.get(change).content
    return change, {name: values if len(values) > 1 else values[0] for name, values in form_values(page).items()}


def test_staff_cannot_untick_anonymity_on_a_closed_session(staff, anonymous_session):
    change, data = _settings_form(staff, anonymous_session)
    assert "is_anonymous" not in data  # shown, not offered

    response = staff.post(change, {**data, "votes_per_person": "4"})  # the box unticked, as a browser sends it

    assert response.status_code == 302
    anonymous_session.refresh_from_db()
    assert anonymous_session.is_anonymous and anonymous_session.votes_per_person == 4


def test_staff_cannot_untick_anonymity_once_cards_exist_even_in_setup(staff, team, facilitator, member):
    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase="setup", anonymous=True)
    write_card(retro, member, "Written before someone put the phase back")

    _, data = _settings_form(staff, retro)

    assert "is_anonymous" not in data


def test_staff_may_still_choose_anonymity_while_a_session_is_set_up(staff, team, facilitator):
    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase="setup")
    change, data = _settings_form(staff, retro)

    response = staff.post(change, {**data, "is_anonymous": "on"})

    assert response.status_code == 302
    retro.refresh_from_db()
    assert retro.is_anonymous


# The rule's one home, `Retrospective.refusal_to_set_anonymity`, as the app's settings service asks it.

def _update_settings(retro, team, facilitator, *, anonymous: bool):
    return services.update_settings(retrospective_id=retro.pk, team=team, actor=facilitator, is_anonymous=anonymous,
                                    hide_text_while_collecting=False, votes_per_person=3)


def test_the_service_never_turns_anonymity_off_once_cards_exist(team, facilitator, member):
    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase="setup", anonymous=True)
    write_card(retro, member, "Written before someone put the phase back")

    with pytest.raises(ActionRefused, match="trusting that nobody would know who wrote them"):
        _update_settings(retro, team, facilitator, anonymous=False)

    assert Retrospective.objects.get().is_anonymous


def test_anonymity_may_be_turned_on_or_off_in_setup_before_any_card(team, facilitator):
    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase="setup")

    assert _update_settings(retro, team, facilitator, anonymous=True).is_anonymous
    assert not _update_settings(retro, team, facilitator, anonymous=False).is_anonymous


@pytest.mark.parametrize("phase", ["review_actions", "collect", "vote", "closed"])
def test_anonymity_is_fixed_once_the_session_has_started(team, facilitator, member, phase):
    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase=phase, anonymous=True)

    assert retro.refusal_to_set_anonymity(True) is None  # what it already is
    assert retro.refusal_to_set_anonymity(False)
    write_card(retro, member, "A card")
    assert "stays anonymous" in retro.refusal_to_set_anonymity(False)
