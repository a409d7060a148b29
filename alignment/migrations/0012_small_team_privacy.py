import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("alignment", "0011_team_name_trigram_index")]

    operations = [
        migrations.AddField(
            model_name="team",
            name="privacy_minimum",
            field=models.PositiveSmallIntegerField(
                default=3,
                help_text="Counts of load and of the charter's pulse smaller than this read “fewer than …” instead "
                          "of the number, for everyone: in a small team a count can name a person.",
                validators=[django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(20)],
                verbose_name="fewest answers a count shows",
            ),
        ),
    ]
