"""What charters tell later apps, so that charters never imports them.

`charter_ratified` is sent inside the ratifying transaction, after the version became
the team's active charter, with `charter=` (the ratified version, its `team` loaded).
A receiver's writes commit or roll back with the ratification; a receiver that fails
fails the ratification. `reviews` uses it to open the team's first review cycle.
"""

from __future__ import annotations

from django.dispatch import Signal

charter_ratified = Signal()
