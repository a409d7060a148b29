"""The notifications app takes over six models from the core, keeping their tables and every row.

Only Django's state moves (`SeparateDatabaseAndState`: nothing is run against the tables); alignment
0008, which runs after this, drops them from the core's state. The content types follow the models,
so permissions and admin log entries that name them stay attached.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MOVED = ["calendarfeed", "delivery", "notification", "notificationpreference", "teamwebhook", "webhookdelivery"]


def move_content_types(apps, schema_editor, *, source="alignment", target="notifications"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if ContentType.objects.filter(app_label=target, model=model).exists():
            continue
        ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="notifications", target="alignment")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('alignment', '0007_page_revisions'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.CreateModel(
                name='CalendarFeed',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('token_hash', models.CharField(max_length=64, unique=True, verbose_name='token hash')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                    ('last_fetched_at', models.DateTimeField(blank=True, null=True, verbose_name='last fetched')),
                    ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='calendar_feed', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'alignment_calendarfeed',
                },
            ),
            migrations.CreateModel(
                name='TeamWebhook',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('url', models.URLField(help_text='The address is a secret: after saving, only its host and last characters are shown.', max_length=500, verbose_name='webhook address')),
                    ('events', models.JSONField(blank=True, default=list, help_text='The keys of the events posted to this address.', verbose_name='events')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                    ('consecutive_failures', models.PositiveSmallIntegerField(default=0, verbose_name='failures in a row')),
                    ('disabled_at', models.DateTimeField(blank=True, null=True, verbose_name='disabled')),
                    ('disabled_reason', models.CharField(blank=True, max_length=200, verbose_name='why disabled')),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='webhooks', to='alignment.team')),
                ],
                options={
                    'db_table': 'alignment_teamwebhook',
                    'ordering': ['created_at', 'pk'],
                },
            ),
            migrations.CreateModel(
                name='Delivery',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(max_length=60, verbose_name='kind')),
                    ('key', models.CharField(help_text='The period or event this is about.', max_length=200, verbose_name='key')),
                    ('claimed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='claimed')),
                    ('emailed_at', models.DateTimeField(blank=True, null=True, verbose_name='emailed')),
                    ('status', models.CharField(choices=[('claimed', 'Claimed'), ('sent', 'Sent'), ('skipped', 'Skipped'), ('held', 'Held for quiet hours'), ('failed', 'Failed')], default='claimed', max_length=10, verbose_name='status')),
                    ('detail', models.CharField(blank=True, max_length=200, verbose_name='detail')),
                    ('subject', models.CharField(blank=True, max_length=200, verbose_name='subject')),
                    ('body', models.TextField(blank=True, verbose_name='body')),
                    ('url', models.CharField(blank=True, max_length=500, verbose_name='link')),
                    ('recipient', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name_plural': 'deliveries',
                    'db_table': 'alignment_delivery',
                    'ordering': ['-claimed_at'],
                    'indexes': [models.Index(fields=['kind', 'key'], name='delivery_kind_key'), models.Index(condition=models.Q(('status', 'held')), fields=['claimed_at'], name='delivery_held')],
                    'constraints': [models.UniqueConstraint(fields=('recipient', 'kind', 'key'), name='delivery_once_per_recipient_kind_key')],
                },
            ),
            migrations.CreateModel(
                name='Notification',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(max_length=60, verbose_name='kind')),
                    ('subject', models.CharField(max_length=200, verbose_name='subject')),
                    ('body', models.TextField(blank=True, verbose_name='body')),
                    ('url', models.CharField(help_text='A site-relative address.', max_length=500, verbose_name='link')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                    ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='read')),
                    ('recipient', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'alignment_notification',
                    'ordering': ['-created_at', '-pk'],
                    'indexes': [models.Index(fields=['recipient', 'read_at', '-created_at'], name='notification_inbox')],
                },
            ),
            migrations.CreateModel(
                name='NotificationPreference',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(max_length=60, verbose_name='kind')),
                    ('email', models.BooleanField(default=True, verbose_name='by email')),
                    ('in_app', models.BooleanField(default=True, verbose_name='in the app')),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notification_preferences', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'alignment_notificationpreference',
                    'ordering': ['kind'],
                    'constraints': [models.UniqueConstraint(fields=('user', 'kind'), name='notification_preference_once_per_kind')],
                },
            ),
            migrations.CreateModel(
                name='WebhookDelivery',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('event', models.CharField(max_length=60, verbose_name='event')),
                    ('key', models.CharField(help_text='The occurrence this is about.', max_length=200, verbose_name='key')),
                    ('payload', models.JSONField(default=dict, verbose_name='payload')),
                    ('status', models.CharField(choices=[('queued', 'Queued'), ('sent', 'Sent'), ('retrying', 'Retrying'), ('failed', 'Failed')], default='queued', max_length=10, verbose_name='status')),
                    ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                    ('response_status', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='last response status')),
                    ('last_error', models.CharField(blank=True, max_length=300, verbose_name='last error')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                    ('next_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='next attempt')),
                    ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                    ('webhook', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='notifications.teamwebhook')),
                ],
                options={
                    'verbose_name_plural': 'webhook deliveries',
                    'db_table': 'alignment_webhookdelivery',
                    'ordering': ['-created_at', '-pk'],
                    'indexes': [models.Index(fields=['webhook', '-created_at'], name='webhook_delivery_log'), models.Index(condition=models.Q(('status__in', ['queued', 'retrying'])), fields=['next_attempt_at', 'created_at'], name='webhook_delivery_waiting')],
                    'constraints': [models.UniqueConstraint(fields=('webhook', 'event', 'key'), name='webhook_delivery_once_per_event')],
                },
            ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
