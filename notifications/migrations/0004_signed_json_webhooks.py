from django.db import migrations, models


class Migration(migrations.Migration):
    """A webhook gets a format: the existing ones are chat webhooks; a JSON one signs with a sealed secret."""

    dependencies = [
        ('notifications', '0003_centre_and_unread_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='teamwebhook',
            name='format',
            field=models.CharField(choices=[('chat', 'Chat (Slack-compatible)'), ('json', 'JSON (signed)')], default='chat', max_length=4, verbose_name='format'),
        ),
        migrations.AddField(
            model_name='teamwebhook',
            name='secret_sealed',
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name='teamwebhook',
            name='previous_secret_sealed',
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name='teamwebhook',
            name='previous_secret_until',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='previous secret accepted until'),
        ),
        migrations.AddConstraint(
            model_name='teamwebhook',
            constraint=models.CheckConstraint(condition=models.Q(('format__in', ['chat', 'json'])), name='webhook_format_valid'),
        ),
        migrations.AddConstraint(
            model_name='teamwebhook',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('format', 'json'), ('secret_sealed__gt', '')), models.Q(('format', 'chat'), ('secret_sealed', '')), _connector='OR'), name='webhook_secret_only_for_json'),
        ),
    ]
