from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Slack and Mattermost")

    def ready(self) -> None:
        # Its part of erasing a person (alignment/erasure.py).
        from alignment.erasure import register_eraser
        from chat import erase
        from checkins.signals import commitment_asked, renegotiation_asked

        register_eraser("chat", erase.erase)
        # Its part of "Download my data" (alignment/data_export.py): the chat accounts a person linked.
        from alignment.data_export import register_export_source
        from chat import export

        register_export_source("chat", export.collect)

        from alignment import panels

        # Celery knows these tasks in every process (web included): chat.outbox queues them by name.
        from chat import (
            commitments,
            reminders,
            tasks,  # noqa: F401
        )
        from checkins.reminders import register_reminder_channel

        # The team's chat, a section of its settings page; a person's chat accounts, a link from their profile.
        panels.register_team_settings_section("chat/_team_settings_chat.html")
        panels.register_profile_link(panels.PageLink("Chat accounts", "chat:accounts",
                                                     "the Slack and Mattermost accounts linked to you"))
        # The weekly check-in in a direct message, at the reminder time (checkins/reminders.py).
        register_reminder_channel(reminders.dm_checkin_reminders)
        # Commitment requests and renegotiations asked in chat, in the transaction that asks (chat/commitments.py).
        commitment_asked.connect(commitments.commitment_asked, dispatch_uid="chat.commitment_asked")
        renegotiation_asked.connect(commitments.renegotiation_asked, dispatch_uid="chat.renegotiation_asked")
