"""What charters tells the apps to its right, so that charters never imports them.

Sent for those apps only (today `reviews`): charters itself never listens to its own
signals. What a ratification causes inside charters (telling the team, posting to its
chat webhooks) is called directly by `services.ratify`, where a reader sees it.

`charter_ratified` is sent inside the ratifying transaction, after the version became
the team's active charter, with `charter=` (the ratified version, its `team` loaded).
A receiver's writes commit or roll back with the ratification; a receiver that fails
fails the ratification. `reviews` uses it to bring the version's goals into the team's
open review cycle (opening the first one).
"""

from __future__ import annotations

from django.dispatch import Signal

charter_ratified = Signal()
