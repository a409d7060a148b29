from django.contrib import admin

from chat.models import ChatAccount, ChatConnection, ChatMessage


@admin.register(ChatConnection)
class ChatConnectionAdmin(admin.ModelAdmin):
    list_display = ["team", "kind", "workspace_id", "channel_name", "channel_id", "connected_at"]
    list_filter = ["kind"]
    search_fields = ["team__name", "workspace_id", "channel_id", "channel_name"]
    # The sealed secrets are never shown, not even sealed.
    fields = ["team", "kind", "api_base_url", "workspace_id", "workspace_name", "channel_id", "channel_name",
              "bot_user_id", "connected_by", "connected_at"]
    readonly_fields = fields


@admin.register(ChatAccount)
class ChatAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "workspace_id", "chat_user_name", "chat_user_id", "linked_at"]
    list_filter = ["kind"]
    search_fields = ["user__email", "user__display_name", "chat_user_name", "chat_user_id"]
    raw_id_fields = ["user"]


@admin.register(ChatMessage)
class ChatMessageAdmin(admin.ModelAdmin):
    list_display = ["key", "chat_user_id", "op", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "op"]
    search_fields = ["key", "chat_user_id"]
    readonly_fields = ["connection", "chat_user_id", "key", "op", "channel_id", "message_ts", "body", "status",
                       "attempts", "next_attempt_at", "created_at", "sent_at", "last_error", "sent_channel_id",
                       "sent_ts"]
