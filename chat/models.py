"""A team's chat (Slack or Mattermost), the chat accounts people linked, and what Charter sends there.

- `ChatConnection`: one team's link to a workspace (Slack) or team (Mattermost) and a channel in it, with
  the bot's token and the secrets that prove a request came from that chat, kept sealed (`alignment.sealed`).
- `ChatAccount`: a chat user linked to a Charter person by a signed link they followed and confirmed
  (`chat.linking`), never guessed from an e-mail address. A chat user acts as that person, with that
  person's capabilities.
- `ChatMessage`: the outbox. Every message Charter sends to chat is a row written in the transaction that
  decided it, sent once by whoever claims it (`chat.outbox`).
- `SeenRequest`: what proved an incoming request fresh (its signature, its trigger, a dialog's nonce), kept
  for as long as it could be replayed, so that a replay is refused.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SLACK_API = "https://slack.com/api"


class ChatKind(models.TextChoices):
    SLACK = "slack", _("Slack")
    MATTERMOST = "mattermost", _("Mattermost")


class ChatConnection(models.Model):
    """A team's chat: where its people are asked to check in, and where `/charter` answers for the team."""

    Kind = ChatKind

    team = models.OneToOneField("alignment.Team", on_delete=models.CASCADE, related_name="chat_connection")
    kind = models.CharField(_("chat"), max_length=12, choices=ChatKind.choices, default=ChatKind.SLACK)
    api_base_url = models.URLField(
        _("API address"), max_length=300,
        help_text=_("Slack: https://slack.com/api. Mattermost: your server's address, e.g. "
                    "https://chat.example.com."))
    # Learnt from the chat's API when connecting (Slack's `auth.test`, Mattermost's channel): incoming requests
    # name it, and it scopes the chat accounts people link.
    workspace_id = models.CharField(_("workspace"), max_length=64)
    workspace_name = models.CharField(_("workspace name"), max_length=200, blank=True)
    channel_id = models.CharField(_("channel ID"), max_length=64)
    channel_name = models.CharField(_("channel name"), max_length=200, blank=True)
    bot_user_id = models.CharField(_("bot's user ID"), max_length=64, blank=True)
    bot_token_sealed = models.TextField(blank=True, editable=False)
    signing_secret_sealed = models.TextField(blank=True, editable=False)  # Slack's signing secret
    command_token_sealed = models.TextField(blank=True, editable=False)  # Mattermost's slash command token
    connected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    connected_at = models.DateTimeField(_("connected"), default=timezone.now)

    class Meta:
        ordering = ["team_id"]
        verbose_name = _("chat connection")
        indexes = [
            # An incoming request names its workspace: the connections whose secrets may have signed it.
            models.Index(fields=["kind", "workspace_id"], name="chat_connection_workspace"),
        ]

    def __str__(self) -> str:
        return f"{self.team} → {self.get_kind_display()} {self.channel_name or self.channel_id}"

    def get_absolute_url(self) -> str:
        return reverse("chat:team", args=[self.team.organisation.slug, self.team.slug])

    @property
    def is_slack(self) -> bool:
        return self.kind == ChatKind.SLACK

    @property
    def is_mattermost(self) -> bool:
        return self.kind == ChatKind.MATTERMOST


class ChatAccount(models.Model):
    """A chat user (in one workspace) linked to a Charter person, who confirmed it signed in."""

    Kind = ChatKind

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_accounts")
    kind = models.CharField(_("chat"), max_length=12, choices=ChatKind.choices)
    workspace_id = models.CharField(_("workspace"), max_length=64)
    chat_user_id = models.CharField(_("chat user ID"), max_length=64)
    chat_user_name = models.CharField(_("chat user name"), max_length=200, blank=True)
    linked_at = models.DateTimeField(_("linked"), default=timezone.now)

    class Meta:
        ordering = ["kind", "workspace_id", "chat_user_name"]
        verbose_name = _("chat account")
        constraints = [
            # A chat user is one person in Charter; the index serves every incoming request's look-up.
            models.UniqueConstraint(fields=["kind", "workspace_id", "chat_user_id"], name="chat_account_once"),
            # A person has one account in a workspace: linking another replaces it.
            models.UniqueConstraint(fields=["user", "kind", "workspace_id"], name="chat_account_one_per_workspace"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @{self.chat_user_name or self.chat_user_id} → {self.user}"


class ChatMessage(models.Model):
    """One message to one chat user, written in the transaction that decided it and sent once."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Retrying")
        FAILED = "failed", _("Failed")

    class Op(models.TextChoices):
        POST = "post", _("A new message in their direct messages")
        UPDATE = "update", _("A sent message replaced")
        EPHEMERAL = "ephemeral", _("A message only they see")

    connection = models.ForeignKey(ChatConnection, on_delete=models.CASCADE, related_name="messages")
    chat_user_id = models.CharField(_("to chat user"), max_length=64)
    # What it is about, once: "checkin:week-2026-11-30/team-4", "commitment:12:v2", "renegotiation:3"…
    key = models.CharField(_("key"), max_length=200)
    op = models.CharField(_("operation"), max_length=10, choices=Op.choices, default=Op.POST)
    channel_id = models.CharField(_("channel"), max_length=64, blank=True)  # an update's or ephemeral's channel
    message_ts = models.CharField(_("message"), max_length=64, blank=True)  # the message an update replaces
    body = models.JSONField(_("body"), default=dict)  # `chat.blocks.Message.as_json()`: drawn for the chat on sending
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # While a try holds the row: the end of its lease; after a failed try: when the next one is due; on a
    # new row: when it may go (the end of the person's quiet hours), None for at once.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    sent_channel_id = models.CharField(max_length=64, blank=True, editable=False)  # where it landed…
    sent_ts = models.CharField(max_length=64, blank=True, editable=False)  # …and its id there

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("chat message")
        constraints = [
            models.UniqueConstraint(fields=["connection", "chat_user_id", "key"], name="chat_message_once"),
        ]
        indexes = [
            # The sweep (`chat.outbox.due_ids`): only the few rows still to send are indexed.
            models.Index(fields=["next_attempt_at", "created_at"], name="chat_message_waiting",
                         condition=Q(status__in=["queued", "retrying"])),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.chat_user_id} ({self.status})"


class SeenRequest(models.Model):
    """A digest of what made an incoming request unique, kept until it could no longer be accepted anyway."""

    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [
            # The sweep forgets what can no longer be replayed.
            models.Index(fields=["expires_at"], name="chat_seen_request_expiry"),
        ]

    def __str__(self) -> str:
        return self.digest
