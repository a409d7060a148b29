"""What the check-ins app tells the apps to its right, so that checkins never imports them.

Sent for those apps only (today `chat`): checkins itself never listens to its own signals. Both are sent
inside the transaction of the service that asks, after the rows are saved, so a receiver's writes (an outbox
row) commit or roll back with the asking.

- `commitment_asked`, with `commitment=` (its `team` loaded): someone is asked to take a commitment on, by a
  leader (`create_commitment`) or because it was handed to them (`decide_renegotiation`, `hand_over_on_leaving`).
- `renegotiation_asked`, with `renegotiation=` (its `commitment` loaded): an owner asks the team's leaders to
  defer, rescope, hand over or drop a commitment (`ask_renegotiation`).
"""

from __future__ import annotations

from django.dispatch import Signal

commitment_asked = Signal()
renegotiation_asked = Signal()
