from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from alignment.models import User
from charters.models import (
    Boundary,
    Charter,
    Comment,
    Goal,
    KeyResult,
    KeyResultProgress,
    NonNegotiable,
    OrganisationGoal,
    OrganisationKeyResult,
    OrganisationTag,
    PurposePart,
    Response,
    Section,
)


class VersionedForm(forms.ModelForm):
    """A form carrying the version the editor loaded, to detect concurrent edits."""

    version = forms.IntegerField(widget=forms.HiddenInput, error_messages={
        "required": _("This form is missing its version; reload the page and try again."),
        "invalid": _("This form's version is not valid; reload the page and try again."),
    })

    def __init__(self, *args, team=None, charter: Charter | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team  # whose people a form may offer (a goal's owner)
        self.charter = charter  # whose purpose a form may quote (a goal's purpose part)
        # Only an edit of something saved can conflict; a new item has no version yet.
        self.fields["version"].required = self.instance.pk is not None
        _with_examples(self)


def _rows(n: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": n})


# Examples shown in empty fields: what good looks like, in the product's words.
EXAMPLES = {
    "purpose_statement": _("e.g. Give every clinician in our coastal clinics a system they can trust at 3 a.m."),
    "purpose_serves": _("e.g. Clinicians and care coordinators in our fourteen clinics, and through them their "
                        "patients."),
    "purpose_outcome": _("e.g. Records, bookings and referrals that are there, correct and fast whenever care "
                         "is given."),
    "purpose_refuses": _("e.g. Patient safety and the privacy of health data: no deadline justifies risking "
                         "either."),
    "people": _("e.g.\n- We say what we see: a risk raised early is a favour.\n- We renegotiate a commitment the "
                "day we know it will slip."),
    "process": _("e.g.\n- Weekly check-in on Fridays.\n- Done means deployed, measured and the runbook updated."),
    "title": _("e.g. Patient data never leaves the clinical network"),
    "standard": _("e.g. No export, log line or test fixture contains real patient identifiers; every change "
                  "touching records passes the privacy checklist."),
    "area": _("e.g. Choice of libraries and internal tooling"),
    "guardrails": _("e.g. Open-source licences on the approved list; no new paid service without a budget "
                    "check."),
    "set_by": _("e.g. Head of Engineering"),
    "objective": _("e.g. Clinicians can rely on the records system during clinic hours"),
    "tradeoff": _("e.g. We pause two roadmap features this cycle to pay down reliability work."),
    "metric": _("e.g. Availability during clinic hours"),
}


def _with_examples(form: forms.BaseForm) -> None:
    for name, example in EXAMPLES.items():
        if name in form.fields:
            form.fields[name].widget.attrs.setdefault("placeholder", example)


class PurposeForm(VersionedForm):
    class Meta:
        model = Charter
        fields = Charter.TEXT_SECTIONS[Section.PURPOSE]
        widgets = {"purpose_serves": _rows(2), "purpose_outcome": _rows(2), "purpose_refuses": _rows(2)}


class PeopleForm(VersionedForm):
    class Meta:
        model = Charter
        fields = Charter.TEXT_SECTIONS[Section.PEOPLE]
        widgets = {"people": _rows(8)}


class ProcessForm(VersionedForm):
    class Meta:
        model = Charter
        fields = Charter.TEXT_SECTIONS[Section.PROCESS]
        widgets = {"process": _rows(8)}


# Text section → its form; the fields are `Charter.TEXT_SECTIONS[section]`.
SECTION_FORMS = {Section.PURPOSE: PurposeForm, Section.PEOPLE: PeopleForm, Section.PROCESS: ProcessForm}


class NonNegotiableForm(VersionedForm):
    class Meta:
        model = NonNegotiable
        fields = NonNegotiable.EDITABLE_FIELDS
        widgets = {"standard": _rows(2), "why": _rows(3)}


class BoundaryForm(VersionedForm):
    class Meta:
        model = Boundary
        fields = Boundary.EDITABLE_FIELDS
        widgets = {"label": forms.RadioSelect, "guardrails": _rows(3)}

    # Not a model field of the form: a many-to-many is saved by the services (`tags=`), not by compare-and-set.
    tags = forms.ModelMultipleChoiceField(
        queryset=OrganisationTag.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label=_("tags"), help_text=_("Areas of work from your organisation's list, kept on its Tags page (linked "
                                     "from the alignment map). The map shows where another team claims the same "
                                     "area."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].choices = [("", "not decided yet"), *Boundary._meta.get_field("label").choices]
        tags = self.fields["tags"]
        if self.team is None:
            del self.fields["tags"]
            return
        tags.queryset = OrganisationTag.objects.filter(organisation_id=self.team.organisation_id)
        if self.instance.pk is not None and not self.is_bound:
            tags.initial = list(self.instance.tags.values_list("pk", flat=True))


class GoalForm(VersionedForm):
    class Meta:
        model = Goal
        fields = Goal.EDITABLE_FIELDS
        widgets = {"tradeoff": _rows(2)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.charter is not None:
            # The team's own words for each part of its purpose, so the link is a real choice.
            part = self.fields["purpose_part"]
            part.choices = [("", "Not linked yet")] + [
                (value, f"{label} — {Truncator(self.charter.purpose_part_text(value)).chars(90)}"
                 if self.charter.purpose_part_text(value).strip() else label)
                for value, label in PurposePart.choices
            ]
            part.widget = forms.RadioSelect(choices=part.choices)
        owner = self.fields["owner"]
        owner.queryset = User.objects.filter(memberships__team=self.team).order_by("display_name", "email")
        owner.label_from_instance = lambda user: user.name
        owner.empty_label = "No owner yet"
        # The organisation goals of the team's own organisation that are open, and the one it names already
        # (closed since, it stays until the leader changes it): a goal of another organisation is no choice.
        linked = self.fields["contributes_to"]
        organisation_id = self.team.organisation_id if self.team is not None else None
        linked.queryset = OrganisationGoal.objects.filter(organisation_id=organisation_id).filter(
            Q(closed_at__isnull=True) | Q(pk=self.instance.contributes_to_id)).order_by("position", "pk")
        linked.label_from_instance = lambda goal: f"{goal.objective} ({goal.get_purpose_part_display().lower()})"
        linked.empty_label = "None: not linked to an organisation goal"


class KeyResultForm(VersionedForm):
    """A key result's definition, and where it stands now: a current value typed here (with its confidence, on
    the same three-word scale as check-ins) is recorded as a progress reading when it changes."""

    class Meta:
        model = KeyResult
        fields = KeyResult.EDITABLE_FIELDS
        widgets = {"confidence": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confidence"].choices = [("", _("not said yet")), *KeyResultProgress.Confidence.choices]

    def clean(self):
        data = super().clean()
        if data.get("current_value") is not None and not data.get("confidence"):
            self.add_error("confidence", _("Say how confident you are in the current value: on track, at risk or "
                                           "off track. It is recorded as a reading."))
        return data


def _progress_field(name: str, **kwargs) -> forms.Field:
    return KeyResultProgress._meta.get_field(name).formfield(**kwargs)


class ProgressForm(forms.Form):
    """A leader's reading of one key result outside a check-in: its value now, confidence, a note.

    A plain form over the model's fields: `services.record_progress` makes the row.
    """

    value = _progress_field("value", label=_("Value now"))
    confidence = forms.ChoiceField(label=_("Confidence"), choices=KeyResultProgress.Confidence.choices,
                                   widget=forms.RadioSelect)  # no blank radio
    note = _progress_field("note", label=_("Note (optional)"), widget=forms.TextInput)

    @classmethod
    def for_key_result(cls, key_result: KeyResult, data=None) -> ProgressForm:
        """The form under one key result, starting from where it stands (`key_result.latest`, if loaded)."""
        latest = getattr(key_result, "latest", None)
        return cls.for_values(pk=key_result.pk, unit=key_result.unit, data=data,
                              **({} if latest is None else {"value": latest.value, "confidence": latest.confidence}))

    @classmethod
    def for_values(cls, *, pk: int | str, unit: str, value=None, confidence: str | None = None,
                   data=None, ids: str = "progress") -> ProgressForm:
        """The form under key result `pk`, from its values alone, so that blank it is drawn once (`DrawnAlike`).
        `ids`: what its fields' ids start with, before the key result's id."""
        form = cls(data, initial={"value": value, "confidence": confidence}, auto_id=f"id_{ids}{pk}_%s")
        if unit:
            form.fields["value"].label = _("Value now (%(unit)s)") % {"unit": unit}
        return form


class OrganisationGoalForm(VersionedForm):
    """An organisation goal: its objective, the part of the organisation's purpose it advances, its owner."""

    class Meta:
        model = OrganisationGoal
        fields = ("objective", "purpose_part", "owner")
        widgets = {"purpose_part": forms.RadioSelect}

    # The organisation's own words for each part of its purpose, where it has written them (alignment's fields).
    PURPOSE_FIELDS = {PurposePart.SERVES: "purpose_serves", PurposePart.OUTCOME: "purpose",
                      PurposePart.REFUSES: "purpose_refuses"}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        part = self.fields["purpose_part"]
        part.choices = [
            (value, f"{label} — {Truncator(words).chars(90)}" if (words := str(getattr(
                organisation, self.PURPOSE_FIELDS[value], "") or "").strip()) else label)
            for value, label in PurposePart.choices
        ]
        owner = self.fields["owner"]
        owner.queryset = User.objects.filter(
            Q(memberships__team__organisation=organisation) | Q(administered_organisations=organisation),
        ).distinct().order_by("display_name", "email")
        owner.label_from_instance = lambda user: user.name
        owner.empty_label = "No owner yet"


class OrganisationKeyResultForm(VersionedForm):
    """An organisation key result's definition; where it stands is recorded as a reading on the goal's page."""

    class Meta:
        model = OrganisationKeyResult
        fields = ("metric", "unit", "start_value", "target_value")

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)


def organisation_reading_form(key_result: OrganisationKeyResult, data=None) -> ProgressForm:
    """The reading form under one organisation key result: the same fields and scale as a team's progress, starting
    from its last reading (`last_reading`)."""
    return organisation_reading_form_for(pk=key_result.pk, unit=key_result.unit, data=data, **last_reading(key_result))


def last_reading(key_result: OrganisationKeyResult) -> dict:
    """What a reading form under `key_result` starts from: the value and confidence of its last reading, and neither
    before the first (a key result is read once it has a confidence)."""
    read = bool(key_result.confidence)
    return {"value": key_result.current_value if read else None, "confidence": key_result.confidence if read else None}


def organisation_reading_form_for(*, pk: int | str, unit: str, value=None, confidence: str | None = None,
                                  data=None) -> ProgressForm:
    """`organisation_reading_form` from its values alone, so that blank it is drawn once (`DrawnAlike`)."""
    return ProgressForm.for_values(pk=pk, unit=unit, value=value, confidence=confidence, data=data, ids="reading")


# Item kind (as named in URLs, see `ITEM_KINDS`) → its form.
ITEM_FORMS: dict[str, type[VersionedForm]] = {
    form._meta.model.kind: form for form in (NonNegotiableForm, BoundaryForm, GoalForm, KeyResultForm)
}


class CommentForm(forms.ModelForm):
    """A new thread on a section, or (with `parent`) a reply to one."""

    section = forms.ChoiceField(choices=Section.choices, widget=forms.HiddenInput)
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Comment
        fields = ["body"]
        labels = {"body": _("Your comment")}
        widgets = {"body": _rows(2)}

    @classmethod
    def for_section(cls, section: str, data=None) -> CommentForm:
        return cls(data, initial={"section": section}, auto_id=f"id_comment_{section}_%s")

    @classmethod
    def for_reply_to(cls, *, section: str, parent: int | str, author: str) -> CommentForm:
        form = cls(initial={"section": section, "parent": parent}, auto_id=f"id_reply{parent}_%s")
        form.fields["body"].label = _("Reply to %(name)s") % {"name": author}
        form.fields["body"].widget.attrs.update(rows=1, placeholder=_("Reply…"))
        return form

    @staticmethod
    def replied_to(thread: Comment) -> str:
        """Who a reply answers, as its label names them."""
        return thread.author.name if thread.author else "this"


class ResponseForm(forms.ModelForm):
    """Consent or object; carries the revision of the text the member read."""

    revision = forms.IntegerField(widget=forms.HiddenInput, error_messages={
        "required": _("This form is missing the charter's revision; reload the page and try again."),
    })

    class Meta:
        model = Response
        fields = ["kind", "reason"]
        widgets = {"kind": forms.RadioSelect, "reason": _rows(3)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Response.Kind.choices  # no blank radio

    @classmethod
    def for_values(cls, *, revision: int | str, kind: str | None = None, reason: str = "") -> ResponseForm:
        """A member's form from its values alone: their response so far, if any, and the revision of the text they
        read. Read the same as `ResponseForm(instance=their_response, ...)`, so that blank it is drawn once
        (`DrawnAlike`)."""
        return cls(initial={"kind": kind, "reason": reason, "revision": revision})

    def clean(self):
        data = super().clean()
        if data.get("kind") == Response.Kind.OBJECTION and not (data.get("reason") or "").strip():
            self.add_error("reason", _("An objection needs a reason: what would harm the team, and what would fix it?"))
        return data


class AnswerForm(forms.Form):
    """A leader's answer to one objection; carries the objection as the leader read it."""

    # Worded as the leader's action here; the record reads `Response.Answer`'s labels.
    answer = forms.ChoiceField(label=_("Your answer"), widget=forms.RadioSelect, choices=[
        (Response.Answer.AMENDED, _("I amended the charter")), (Response.Answer.KEPT, _("Keep it, and explain")),
    ])
    text = forms.CharField(label=_("Explanation"), widget=_rows(2),
                           help_text=_("What you changed, or why the charter stays as it is."))
    seen_reason = forms.CharField(widget=forms.HiddenInput, required=False, strip=False)

    @classmethod
    def for_objection(cls, response: Response, data=None) -> AnswerForm:
        return cls.answering(pk=response.pk, objector=response.member.name, reason=response.reason, data=data)

    @classmethod
    def answering(cls, *, pk: int | str, objector: str, reason: str, data=None) -> AnswerForm:
        """The answer to objection `pk`: from its values alone, so that blank it is drawn once (`DrawnAlike`)."""
        form = cls(data, initial={"seen_reason": reason}, auto_id=f"id_answer{pk}_%s")
        form.fields["answer"].label = _("Answer %(name)s's objection") % {"name": objector}
        return form


class ProposeForm(forms.ModelForm):
    """Put a draft to the team: an optional closing date, quorum, and stances hidden until the round ends."""

    class Meta:
        model = Charter
        fields = ["responses_close_on", "quorum_percent", "stances_hidden"]
        widgets = {"responses_close_on": forms.DateInput(attrs={"type": "date"}),
                   "quorum_percent": forms.NumberInput(attrs={"min": 1, "max": 100, "inputmode": "numeric"})}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_propose_%s")
        super().__init__(*args, **kwargs)
        self.fields["quorum_percent"].widget.attrs["min"] = 1  # the field's own bound is 0


class QuorumForm(forms.ModelForm):
    """Change the quorum of a proposal while its round runs (posted to the propose address)."""

    change = forms.CharField(widget=forms.HiddenInput, initial="quorum")

    class Meta:
        model = Charter
        fields = ["quorum_percent"]
        widgets = {"quorum_percent": forms.NumberInput(attrs={"min": 1, "max": 100, "inputmode": "numeric"})}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_quorum_%s")
        super().__init__(*args, **kwargs)
        self.fields["quorum_percent"].widget.attrs["min"] = 1  # the field's own bound is 0

    @classmethod
    def for_values(cls, *, quorum_percent: int | str | None) -> QuorumForm:
        """The form from the proposal's quorum alone, read the same as `QuorumForm(instance=proposal)`, so that blank
        it is drawn once (`DrawnAlike`)."""
        return cls(initial={"quorum_percent": quorum_percent})


class AmendmentForm(forms.Form):
    note = forms.CharField(label=_("What should change, and why?"), widget=_rows(2), required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_amend_%s")
        super().__init__(*args, **kwargs)



class OrganisationTagForm(forms.Form):
    """A tag's name, added to the organisation's list or renamed."""

    name = forms.CharField(label=_("Tag"), max_length=80,
                           help_text=_("An area of work several teams may touch, e.g. Booking flow."),
                           validators=OrganisationTag._meta.get_field("name").validators)
