"""Why an action did not happen, in words a person can act on.

Every app raises these; views turn them into a message beside what the person typed.
"""

from __future__ import annotations

from django.db import models


class ActionRefused(Exception):
    """A rule of the product refuses the action; the message is shown to the person."""


class ConcurrentEditError(Exception):
    """Someone else saved this object after the editor loaded it."""

    def __init__(self, current: models.Model):
        super().__init__("This was changed by someone else while you were editing.")
        self.current = current


class ItemRemoved(ActionRefused):
    """What the person was editing was removed by someone else meanwhile."""
