"""What the decision log tells the apps to its right, so that decisions never imports them.

Sent for those apps only (today `asks`): decisions itself never listens to its own signals.

`outcome_recorded` is sent inside the transaction of `services.record_outcome`, after the final call
was saved, with `decision=` (its `team` loaded, `outcome` and `outcome_reason` the call in force) and
`actor=`. A receiver's writes commit or roll back with the call. `asks` uses it so that a request
which landed in the log as a proposal is answered by the final call on it.
"""

from __future__ import annotations

from django.dispatch import Signal

outcome_recorded = Signal()
