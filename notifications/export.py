"""A person's part of "Download my data" from notifications (alignment/data_export.py): 5 queries, 1 for an admin's.

What the app told them (their notifications and the e-mails it decided to send them), their delivery
preferences, their calendar feed (when it was made and last read; never its secret address), and the chat
webhooks they added to a team (masked as the team's settings show them: the address is the team's secret).
An admin's export of them has the webhooks alone: what the app told a person is theirs.
"""

from __future__ import annotations

from alignment.data_export import ExportPart, ExportSubject, document, when
from notifications.models import CalendarFeed, Delivery, Notification, NotificationPreference, TeamWebhook
from notifications.webhooks import masked_url


def collect(subject: ExportSubject) -> ExportPart:
    person = subject.person
    webhooks = [{
        "organisation": w.team.organisation.name, "team": w.team.name, "address": masked_url(w.url),
        "events": w.events, "added": w.created_at, "disabled": w.disabled_at,
    } for w in TeamWebhook.objects.filter(subject.within("team"), created_by=person)
        .select_related("team__organisation").order_by("created_at", "pk")]  # query: the webhooks they added
    if not subject.for_themselves:
        return ExportPart(records={"webhooks_added": webhooks})
    notifications = [{
        "kind": n.kind, "subject": n.subject, "body": n.body, "link": n.url, "created": n.created_at, "read": n.read_at,
    } for n in Notification.objects.filter(recipient=person).order_by("created_at", "pk")]  # query: notifications
    emails = [{
        "kind": d.kind, "subject": d.subject, "status": d.status, "decided": d.claimed_at, "emailed": d.emailed_at,
    } for d in Delivery.objects.filter(recipient=person).order_by("claimed_at", "pk")]  # query: e-mails decided
    preferences = [{"kind": p.kind, "by_email": p.email, "in_the_app": p.in_app}
                   for p in NotificationPreference.objects.filter(user=person).order_by("kind")]  # query: preferences
    feed = [{"made": f.created_at, "last_read": f.last_fetched_at}
            for f in CalendarFeed.objects.filter(user=person)]  # query: their calendar feed
    return ExportPart(
        records={"notifications": notifications, "emails": emails, "preferences": preferences,
                 "calendar_feed": feed, "webhooks_added": webhooks},
        documents={"notifications": document("What Charter told you", [
            f"- {when(n['created'])}: {n['subject']}" for n in notifications])},
    )
