"""Blockers keep their check-in's team, so that a team's blockers are read off indexes of their own.

The column is added empty, filled from each blocker's check-in in one UPDATE, then made required; the
open-by-age index gains the team. Going back drops the column and restores the index as it was.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery


def copy_teams(apps, schema_editor):
    Blocker, CheckIn = apps.get_model("checkins", "Blocker"), apps.get_model("checkins", "CheckIn")
    Blocker.objects.update(team_id=Subquery(CheckIn.objects.filter(pk=OuterRef("check_in_id")).values("team_id")))


class Migration(migrations.Migration):

    dependencies = [
        ("alignment", "0015_retention_is_enforced"),
        ("checkins", "0005_carried_answers"),
    ]

    operations = [
        migrations.AddField(
            model_name="blocker",
            name="team",
            field=models.ForeignKey(db_index=False, editable=False, null=True,
                                    on_delete=django.db.models.deletion.CASCADE, related_name="+", to="alignment.team"),
        ),
        migrations.RunPython(copy_teams, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="blocker",
            name="team",
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="+", to="alignment.team"),
        ),
        migrations.RemoveIndex(model_name="blocker", name="blocker_open_by_age"),
        migrations.AddIndex(
            model_name="blocker",
            index=models.Index(condition=Q(resolved_at__isnull=True), fields=["team", "opened_at"],
                               name="blocker_open_by_age"),
        ),
        migrations.AddIndex(model_name="blocker",
                            index=models.Index(fields=["team", "opened_at"], name="blocker_opened")),
        migrations.AddIndex(model_name="blocker",
                            index=models.Index(fields=["team", "resolved_at"], name="blocker_resolved")),
    ]
