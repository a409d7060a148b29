"""What asks does when an app to its left says something happened (connected in `AsksConfig.ready()`)."""

from __future__ import annotations

from asks import services


def decision_outcome_recorded(sender, *, decision, actor=None, **kwargs) -> None:
    """`decisions.signals.outcome_recorded`: a request that landed in the decision log follows its final call."""
    services.follow_decision(decision=decision)
