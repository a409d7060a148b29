"""The check-in form's widgets are drawn in Python (`alignment.form_renderer`): the same markup as Django's templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.forms.renderers import DjangoTemplates

from alignment.form_renderer import FormRenderer
from checkins.forms import CheckInForm, CommitmentForm


@dataclass(frozen=True)
class Loaded:
    """What a page loads for a choice: an id and words (with characters that need escaping)."""

    pk: int
    name: str

    @property
    def objective(self) -> str:
        return self.name

    def __str__(self) -> str:
        return self.name


PEOPLE = [Loaded(7, 'Ana "the <b>old</b> hand" & co'), Loaded(8, "Ben")]
GOALS = [Loaded(3, "Release <weekly>")]
NON_NEGOTIABLES = [Loaded(5, "Reviewed code only"), Loaded(6, "No pager & heroics")]
KEY_RESULTS = [Loaded(11, "Releases")]

INITIAL = {"version": 2, "week": date(2026, 11, 16), "blocker_rows": 3, "fingerprint": "f1",
           "progress": 'Quotes " and <tags> & more', "highlights": "", "load": "light",
           "strained_non_negotiable": 6, "blocker_0_what": "VPN <down>", "blocker_0_who": 7, "blocker_0_goal": 3,
           "kr_11_value": "2.50", "kr_11_confidence": "at_risk"}
POSTED = {"version": "x", "week": "2026-11-16", "blocker_rows": "4", "progress": "", "load": "heavy",
          "strained_non_negotiable": "99", "blocker_1_what": "a" * 501, "blocker_1_who": "8", "blocker_3_goal": "3",
          "kr_11_value": "three", "kr_11_confidence": "on_track"}


def assert_drawn_as_django_draws(make) -> None:
    """`make(renderer)` makes the form: each widget drawn by the site's renderer is the one Django's templates draw."""
    ours, djangos = make(FormRenderer()), make(DjangoTemplates())
    for form in (ours, djangos):
        form.is_bound and form.is_valid()
    for name in ours.fields:
        assert ours[name].as_widget() == djangos[name].as_widget(), name


@pytest.mark.parametrize("data", [None, POSTED], ids=["shown", "posted with errors"])
@pytest.mark.parametrize("submitting", [False, True])
def test_the_check_in_form_draws_every_widget_as_django_does(data, submitting):
    assert_drawn_as_django_draws(lambda renderer: CheckInForm(
        data, initial=INITIAL, non_negotiables=NON_NEGOTIABLES, key_results=KEY_RESULTS, people=PEOPLE, goals=GOALS,
        submitting=submitting, renderer=renderer))


def test_a_form_with_a_loaded_choice_draws_it_as_django_does():
    assert_drawn_as_django_draws(lambda renderer: CommitmentForm(
        {"title": "", "goal": "3", "owner": "8"}, goals=GOALS, people=PEOPLE, renderer=renderer))
    assert_drawn_as_django_draws(lambda renderer: CommitmentForm(goals=GOALS, people=PEOPLE, renderer=renderer))
