"""A cycle closed before its end date keeps the day it was planned to end (its end date becomes the day it closed)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reviews", "0003_cycle_open_by_end")]

    operations = [
        migrations.AddField(
            model_name="reviewcycle",
            name="planned_end_date",
            field=models.DateField(
                blank=True, null=True, verbose_name="planned to end",
                help_text="Set when the cycle was closed before its end date: the day it was planned to end.",
            ),
        ),
    ]
