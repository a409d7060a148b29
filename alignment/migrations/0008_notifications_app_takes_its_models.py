"""The six notification models leave the core's state for the notifications app's (notifications 0001).

State only: their tables and rows stay where they are, now owned by `notifications`.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('alignment', '0007_page_revisions'),
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='calendarfeed',
                    name='user',
                ),
                migrations.RemoveIndex(
                    model_name='delivery',
                    name='delivery_kind_key',
                ),
                migrations.RemoveIndex(
                    model_name='delivery',
                    name='delivery_held',
                ),
                migrations.RemoveConstraint(
                    model_name='delivery',
                    name='delivery_once_per_recipient_kind_key',
                ),
                migrations.RemoveIndex(
                    model_name='notification',
                    name='notification_inbox',
                ),
                migrations.RemoveConstraint(
                    model_name='notificationpreference',
                    name='notification_preference_once_per_kind',
                ),
                migrations.RemoveField(
                    model_name='teamwebhook',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='teamwebhook',
                    name='team',
                ),
                migrations.RemoveIndex(
                    model_name='webhookdelivery',
                    name='webhook_delivery_log',
                ),
                migrations.RemoveIndex(
                    model_name='webhookdelivery',
                    name='webhook_delivery_waiting',
                ),
                migrations.RemoveConstraint(
                    model_name='webhookdelivery',
                    name='webhook_delivery_once_per_event',
                ),
                migrations.DeleteModel(
                    name='CalendarFeed',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='recipient',
                ),
                migrations.RemoveField(
                    model_name='notificationpreference',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='webhookdelivery',
                    name='webhook',
                ),
                migrations.DeleteModel(
                    name='Delivery',
                ),
                migrations.DeleteModel(
                    name='Notification',
                ),
                migrations.DeleteModel(
                    name='NotificationPreference',
                ),
                migrations.DeleteModel(
                    name='TeamWebhook',
                ),
                migrations.DeleteModel(
                    name='WebhookDelivery',
                ),
            ],
        ),
    ]
