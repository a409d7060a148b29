"""`/charter decide <proposal>`: a proposal put to the team's purpose from chat, logged as the web's log logs it.

The dialog asks what the proposal does to the purpose (shown in it) and to the metrics, and for a conscious
investment which key result it dents, how much and until when. The web's `DecisionForm` reads the answers
and `decisions.services.log_decision` logs them, so the verdict is the decision log's own rule
(`Decision.rule`); the dialog's nonce is the form's idempotency key, so a dialog saved twice logs once.
"""

from __future__ import annotations

import uuid

from django.urls import reverse

from alignment.permissions import TeamAccess
from charters.models import KeyResult, PurposePart
from chat import verification
from chat.blocks import Dialog, Field
from chat.dialogs import Saved, form_errors
from chat.models import ChatConnection
from decisions import selectors, services
from decisions.forms import DecisionForm
from decisions.models import Decision
from notifications.services import absolute_url

CALLBACK = "decide"
NONCE_NAMESPACE = uuid.UUID("0b4f5d0e-7c55-4e8a-9a57-1d5cc0a2e6f3")
SHOWN = ("title", "description", "purpose_effect", "metric_effect", "key_result", "investment_amount",
         "investment_until")


def decide_dialog(access: TeamAccess, connection: ChatConnection, chat_user_id: str, proposal: str) -> Dialog:
    """The proposal form as a dialog, with the purpose it is judged by (three queries)."""
    team = access.team
    page = selectors.proposal_form_page(team)
    key_results = list(KeyResult.objects.filter(goal__in=page.goals).only("metric")) if page.goals else []
    purpose = []
    if page.charter is not None:
        purpose = [f"{PurposePart(part).label}: {text}" for part in PurposePart
                   if (text := page.charter.purpose_part_text(part).strip())]
    intro = "\n".join([f"Judged by {team.name}'s purpose." if purpose else
                       f"{team.name} has no charter in force: the verdict still follows the rule.", *purpose])
    fields = (
        Field("title", "Proposal", "text", proposal[:150], optional=False, max_length=150),
        Field("description", "More about it", "textarea", max_length=3000),
        Field("purpose_effect", "Effect on our purpose", "select", "",
              tuple((value, str(label).capitalize()) for value, label in Decision.PurposeEffect.choices),
              optional=False),
        Field("metric_effect", "Effect on our metrics", "select", "",
              tuple((value, str(label).capitalize()) for value, label in Decision.MetricEffect.choices),
              optional=False),
        Field("key_result", "Key result it dents", "select", "",
              (("", "None"), *((str(kr.pk), kr.metric) for kr in key_results)),
              help="For a conscious investment: it advances the purpose and dents this metric."),
        Field("investment_amount", "How much it may drop", "text", max_length=150),
        Field("investment_until", "Until when (YYYY-MM-DD)", "text", max_length=10),
    )
    state = verification.sign_action({"a": CALLBACK, "u": chat_user_id, "c": connection.pk, "t": team.pk,
                                      "n": verification.new_nonce()})
    return Dialog(callback=CALLBACK, title="Put it to the purpose", fields=fields, state=state, intro=intro,
                  submit_label="Log it")


def log_from_dialog(access: TeamAccess, state: dict, values: dict[str, str]) -> Saved:
    """Log the proposal; `DialogErrors` to fix (a conscious investment names its dent). Saved twice, logged once."""
    team = access.team
    page = selectors.proposal_form_page(team)
    form = DecisionForm({name: values.get(name, "") for name in SHOWN}, goals=page.goals)
    if not form.is_valid():
        raise form_errors(form, set(SHOWN), first="title")
    key = uuid.uuid5(NONCE_NAMESPACE, state["n"])
    try:
        decision = services.log_decision(team=team, actor=access.user, **{**form.cleaned_data, "idempotency_key": key})
    except services.AlreadyLogged as already:
        decision = already.decision
    return Saved(f"Verdict: {decision.get_verdict_display()}", verdict_words(decision, access),
                 absolute_url(reverse("decisions:detail", args=[team.organisation.slug, team.slug, decision.pk])))


def verdict_words(decision: Decision, access: TeamAccess) -> str:
    """“Logged …”, the verdict and why, and who makes the final call (as the web log says it)."""
    words = (f"Logged “{decision.title}”. The purpose says: {decision.get_verdict_display()}. "
             f"{decision.verdict_reason} Recommended: {decision.recommended_outcome_label.lower()}.")
    if access.may_record_outcome:
        return f"{words} You make the final call in the decision log."
    return f"{words} {selectors.final_call_note(selectors.leaders(access.team))}"
