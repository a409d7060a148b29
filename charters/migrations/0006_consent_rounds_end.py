# Consent rounds that end on their date (issue 20): when a leader last reminded who had not answered,
# when the scheduler closed the round, and the text each response was given to ("since you responded").
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("charters", "0005_progress_one_latest_per_lineage")]

    operations = [
        migrations.AddField(
            model_name="charter",
            name="reminded_at",
            field=models.DateTimeField(
                blank=True, null=True,
                help_text="When a leader last reminded who had not answered (once a day per consent round).",
            ),
        ),
        migrations.AddField(
            model_name="charter",
            name="round_closed_at",
            field=models.DateTimeField(
                blank=True, null=True,
                help_text="When the scheduler closed the consent round after its closing date: ratified, or the "
                          "leader told what blocks it. Cleared by proposing again.",
            ),
        ),
        migrations.AddField(
            model_name="response",
            name="text_seen",
            field=models.JSONField(
                blank=True, default=dict,
                help_text='The charter\'s text, section by section, as the member responded to it: what "since you '
                          'responded" compares with. Empty for responses recorded before it was kept.',
            ),
        ),
    ]
