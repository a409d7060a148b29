"""What erasing a person does to notifications (alignment/erasure.py).

Deleted: what the app told them (their notifications and e-mail deliveries), their delivery preferences and their
calendar feed. Unnamed: the notices and e-mails the app wrote to other people about them ("Erin left Platform…")
and the payloads of the chat-webhook posts, in which their address and name become the placeholders. Kept: the
chat webhooks they added to a team (the team's), under "Former member".
"""

from __future__ import annotations

from alignment.erasure import ErasureSubject, scrub_rows
from notifications.models import CalendarFeed, Delivery, Notification, NotificationPreference, WebhookDelivery


def erase(subject: ErasureSubject) -> dict[str, int]:
    person = subject.person
    notifications, _ = Notification.objects.filter(recipient=person).delete()
    deliveries, _ = Delivery.objects.filter(recipient=person).delete()
    preferences, _ = NotificationPreference.objects.filter(user=person).delete()
    feeds, _ = CalendarFeed.objects.filter(user=person).delete()
    return {
        "notification deleted": notifications, "e-mail record deleted": deliveries,
        "preference deleted": preferences, "calendar feed deleted": feeds,
        "notice unnamed": scrub_rows(Notification.objects.all(), ["subject", "body"], subject),
        "e-mail record unnamed": scrub_rows(Delivery.objects.all(), ["subject", "body", "detail"], subject),
        "webhook post unnamed": scrub_rows(WebhookDelivery.objects.all(), ["payload"], subject),
    }
