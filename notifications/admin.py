"""Team webhooks and their delivery log in the admin (notifications themselves stay out of it: they are private)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notifications.models import TeamWebhook, WebhookDelivery
from notifications.webhooks import masked_secret, masked_url


@admin.register(TeamWebhook)
class TeamWebhookAdmin(admin.ModelAdmin):
    """The address and the signing secret are secrets: shown masked, never edited here (a team's leaders replace
    the address and roll the secret on its page)."""

    list_display = ["__str__", "team", "format", "masked_address", "events", "consecutive_failures", "disabled_at"]
    list_filter = ["format", ("disabled_at", admin.EmptyFieldListFilter)]
    search_fields = ["team__name"]
    list_select_related = ["team"]
    fields = ["team", "format", "masked_address", "signing_secret", "events", "created_by", "created_at",
              "consecutive_failures", "disabled_at", "disabled_reason"]
    readonly_fields = ["team", "format", "masked_address", "signing_secret", "created_by", "created_at"]

    @admin.display(description=_("address"))
    def masked_address(self, webhook: TeamWebhook) -> str:
        return masked_url(webhook.url)

    @admin.display(description=_("signing secret"))
    def signing_secret(self, webhook: TeamWebhook) -> str:
        return masked_secret(webhook) or "—"

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log, read only."""

    list_display = ["event", "key", "webhook", "status", "attempts", "response_status", "created_at", "finished_at"]
    list_filter = ["status", "event"]
    search_fields = ["key", "webhook__team__name"]
    readonly_fields = ["webhook", "event", "key", "payload", "status", "attempts", "response_status", "last_error",
                       "created_at", "next_attempt_at", "finished_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
