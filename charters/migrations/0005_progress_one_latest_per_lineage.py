# After the backfill in 0004, every lineage with readings has exactly one latest reading.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('charters', '0004_progress_latest_and_previous'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='keyresultprogress',
            constraint=models.UniqueConstraint(condition=models.Q(('is_latest', True)), fields=('lineage',), name='kr_progress_one_latest_per_lineage'),
        ),
    ]
