from django.db import migrations, models
from django.db.models import F


def agreed_when_created(apps, schema_editor):
    """Commitments taken on before `agreed_at` existed: agreed when created (the nearest known time)."""
    Commitment = apps.get_model("checkins", "Commitment")
    Commitment.objects.filter(state__in=["open", "done", "dropped"]).update(agreed_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [("checkins", "0003_replies_and_acknowledgement")]

    operations = [
        migrations.AddField(
            model_name="commitment",
            name="agreed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="agreed"),
        ),
        migrations.AddField(
            model_name="commitment",
            name="asked_while_overloaded_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="asked while overloaded"),
        ),
        migrations.AlterField(
            model_name="commitment",
            name="state",
            field=models.CharField(
                choices=[("requested", "asked"), ("open", "open"), ("done", "done"), ("dropped", "dropped"),
                         ("declined", "declined")],
                default="open", max_length=10, verbose_name="state",
            ),
        ),
        migrations.RunPython(agreed_when_created, migrations.RunPython.noop, elidable=True),
    ]
