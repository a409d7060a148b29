"""The weekly check-in as a chat dialog, saved exactly as the web page saves it.

The dialog opens with what is saved (`initial_for`, the web form's own starting values) and shows what moved,
the load, each of the writer's key results (value and confidence), the blocker rows and the charter's pulse
(the non-negotiable under strain, where it was unclear who decides). What comes back is laid over the
saved values — so what the dialog does not show (who could help with a blocker, the answers about earlier
weeks' blockers, highlights) stays as saved — and read by the web's `CheckInForm`, whose `content()` goes to
`checkins.services.save_draft` or `submit_checkin` with the version the dialog was opened on: a save on the
web meanwhile is a conflict, told in words, never overwritten.
"""

from __future__ import annotations

from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone

from alignment.errors import ActionRefused, ConcurrentEditError
from alignment.permissions import TeamAccess
from alignment.weeks import current_week, week_starting
from charters.models import KeyResultProgress
from chat import verification
from chat.blocks import Dialog, Field
from chat.dialogs import Saved, form_errors
from chat.models import ChatConnection
from checkins import selectors, services
from checkins.forms import CheckInForm, initial_for
from checkins.models import CheckIn
from notifications.services import absolute_url

CALLBACK = "checkin"
SAVE_AS, DRAFT, SUBMIT = "save_as", "draft", "submit"
CONFIDENCE = [("", "—"), *((value, str(label).capitalize()) for value, label in KeyResultProgress.Confidence.choices)]
LOAD = [("", "Not said yet"), *((value, str(label).capitalize()) for value, label in CheckIn.Load.choices)]


def _form_kwargs(page: selectors.ThisWeekPage, *, submitting: bool, rows: int) -> dict:
    """The check-in form's choices, as the web page gives them (`checkins.views`)."""
    return {"non_negotiables": page.non_negotiables, "key_results": page.key_results, "people": page.people,
            "goals": page.goals, "blocker_rows": rows, "submitting": submitting, "carried": page.carried_blockers}


def _initial(page: selectors.ThisWeekPage, rows: int) -> dict:
    return initial_for(page.checkin, week=page.week, blocker_rows=rows, blockers=page.open_blockers,
                       updates=page.key_result_updates, carried=page.carried_blockers, fingerprint=page.fingerprint)


def _posted(value) -> str:
    """A starting value as a browser would post it."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def checkin_dialog(access: TeamAccess, connection: ChatConnection, chat_user_id: str,
                   now: datetime | None = None) -> Dialog:
    """This week's check-in of the person, as saved, in a dialog (the eight queries of the web page)."""
    team, week = access.team, current_week(access.team, now or timezone.now())
    page = selectors.this_week_page(access, week)
    rows = page.blocker_rows
    initial = {name: _posted(value) for name, value in _initial(page, rows).items()}
    submitted = page.checkin is not None and page.checkin.is_submitted
    fields = [Field("progress", "What moved this week", "textarea", initial.get("progress", ""), max_length=3000),
              Field("load", "Your load", "select", initial.get("load", ""), LOAD)]
    for key_result in page.key_results:
        unit = f" ({key_result.unit})" if key_result.unit else ""
        target = f"Target {key_result.target_value:g}{unit}." if key_result.target_value is not None else ""
        fields += [Field(f"kr_{key_result.pk}_value", f"{key_result.metric}: value now{unit}", "number",
                         initial.get(f"kr_{key_result.pk}_value", ""), help=target),
                   Field(f"kr_{key_result.pk}_confidence", f"{key_result.metric}: confidence", "select",
                         initial.get(f"kr_{key_result.pk}_confidence", ""), tuple(CONFIDENCE))]
    fields += [Field(f"blocker_{n}_what", "What is in your way" if n == 0 else "Anything else in your way", "text",
                     initial.get(f"blocker_{n}_what", ""), max_length=500) for n in range(rows)]
    fields += [Field("strained_non_negotiable", "A non-negotiable under strain", "select",
                     initial.get("strained_non_negotiable", ""),
                     (("", "None — they all held"), *((str(nn.pk), nn.title) for nn in page.non_negotiables))),
               Field("strain_note", "What strained it", "text", initial.get("strain_note", ""), max_length=2000),
               Field("boundary_question", "Where was it unclear who decides?", "textarea",
                     initial.get("boundary_question", ""), max_length=2000)]
    if not submitted:
        fields.append(Field(SAVE_AS, "Save as", "radio", SUBMIT,
                            ((DRAFT, "A draft (only you see it)"), (SUBMIT, "Submitted to the team")), optional=False))
    if any(len(item.initial) > item.max_length for item in fields if item.max_length):
        raise ActionRefused("Your check-in says more than a chat dialog holds: change it on the web page.")
    state = verification.sign_action({
        "a": CALLBACK, "u": chat_user_id, "c": connection.pk, "t": team.pk, "w": week.monday.isoformat(),
        "v": int(initial.get("version") or 0), "f": page.fingerprint, "r": rows, "n": verification.new_nonce()})
    intro = (f"{team.name}, {week.label.lower()}. "
             + ("Submitted: saving updates it. " if submitted else "")
             + f"You can change it until the week closes, {_when(week.ends_at, team)}.")
    return Dialog(callback=CALLBACK, title="Weekly check-in", fields=tuple(fields), state=state, intro=intro,
                  submit_label="Update" if submitted else "Save")


def save_checkin(access: TeamAccess, state: dict, values: dict[str, str], now: datetime | None = None) -> Saved:
    """Save what the dialog says through the web form and the check-in services; `DialogErrors` to fix, or
    `ActionRefused` in words (the week closed, a save elsewhere meanwhile, the team archived)."""
    now = now or timezone.now()
    team = access.team
    week = week_starting(team, date.fromisoformat(state["w"]))
    page = selectors.this_week_page(access, week)
    rows = int(state["r"])
    submitting = values.get(SAVE_AS, SUBMIT) == SUBMIT or (page.checkin is not None and page.checkin.is_submitted)
    data = {name: _posted(value) for name, value in _initial(page, rows).items()}
    shown = set(_shown(page, rows))  # a chat may leave out a field emptied: empty, not as saved
    data.update({name: values.get(name, "") for name in shown})
    # The version and fingerprint the dialog was opened on: a save elsewhere since is a conflict.
    data.update(version=str(state["v"]), fingerprint=state["f"], week=week.monday.isoformat(), blocker_rows=str(rows))
    form = CheckInForm(data, **_form_kwargs(page, submitting=submitting, rows=rows))
    if not form.is_valid():
        raise form_errors(form, shown, first="progress")
    saving = {"team": team, "author": access.user, "week": week, "expected_version": form.cleaned_data["version"],
              "content": form.content(), "now": now}
    try:
        if submitting:
            checkin = services.submit_checkin(**saving)
        else:
            services.save_draft(**saving, fingerprint=form.cleaned_data["fingerprint"] or None)
    except ConcurrentEditError:
        raise ActionRefused("Your check-in was saved somewhere else (the web page?) since this dialog opened. "
                            "Close it and press “Check in here” again: it opens with what is saved now.") from None
    url = absolute_url(reverse("checkins:this_week", args=[team.organisation.slug, team.slug]))
    if submitting:
        late = " It came in after the team's check-in time, so it is marked late." if checkin.is_late else ""
        return Saved("Check-in submitted", "Your check-in is submitted. Your team's leaders and facilitators can "
                                           f"read it now.{late} You can change it until the week closes.", url)
    return Saved("Draft saved", f"Your draft for the {week.label.lower()} is saved; only you see it. Submit it "
                                f"here or on the web page before the week closes, {_when(week.ends_at, team)}.", url)


def _when(moment: datetime, team) -> str:
    local = timezone.localtime(moment, team.zone)
    return f"{local:%A} {local.day} {local:%b} at {local:%H:%M} ({team.time_zone})"


def _shown(page: selectors.ThisWeekPage, rows: int) -> list[str]:
    """The web form's fields the dialog shows (`checkin_dialog` draws them in this order)."""
    return ["progress", "load",
            *(f"kr_{kr.pk}_{part}" for kr in page.key_results for part in ("value", "confidence")),
            *(f"blocker_{n}_what" for n in range(rows)),
            "strained_non_negotiable", "strain_note", "boundary_question"]
