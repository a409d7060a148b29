"""What the core tells the apps to its right, so that it never imports them.

The core imports no app of the project (docs/architecture.md): what must happen elsewhere when a
person joins a team (telling its leaders, in `notifications`) listens here. The core itself never
listens to its own signals.

`member_joined` is sent inside the accepting transaction (`services.accept_invitation`), once the
membership is saved, with `membership=` (its `team` loaded), `invitation=` (the one accepted, its
`invited_by` and `roles`) and `joined=` (False when someone already in the team gained the invited roles).
A receiver's writes commit or roll back with the acceptance.
"""

from __future__ import annotations

from django.dispatch import Signal

member_joined = Signal()

# Sent when a team is created, renamed or its settings change, and when it is archived or restored (`services.
# create_team`, `update_team_settings`, `archive_team`, `restore_team`), inside the writing transaction, with
# `team=`. For what the apps keep about teams (the map's cross-team signals name teams at work, and the admins'
# summary counts them).
team_changed = Signal()

# Sent when someone leaves a team (`services.remove_member`, and `services.deactivate_person` for each of
# their teams), inside the transaction, before the membership is deleted, with `membership=` (its `user` and
# `team` loaded), `successor=` (the team's leader who takes over what they carried, or None when the team has
# no other leader) and `actor=`. Each app hands over what the person carried in the team and returns what it
# handed over as {"commitment": 2, "blocker": 1} (a noun and a count), for the audit trail.
member_leaving = Signal()

# Asked before someone is deactivated, to say on the confirmation what will be handed over; the same
# arguments as `member_leaving`, and the same answer, without writing anything.
member_carries = Signal()

# Sent when a try at delivering something ends (every e-mail, by `outbox.send_then_record`; a webhook post, a chat
# message), with `channel=` ("email", "webhook", "chat") and
# `outcome=` ("sent" or "failed"; a failed try that will be retried counts as failed). The site's metrics count it.
delivery_tried = Signal()
