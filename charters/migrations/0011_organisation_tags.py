# Organisation tags (#21, part 4): the organisation's list of areas of work, and the tags on boundaries.

import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('alignment', '0014_review_trigger_settings'),
        ('charters', '0010_consent_rigour_and_review_dates'),
    ]

    operations = [
        migrations.CreateModel(
            name='OrganisationTag',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='An area of work several teams may touch, e.g. Booking flow.', max_length=80, validators=[django.core.validators.RegexValidator('[\\x00-\\x1f]', inverse_match=True, message='A tag is one line of text.')], verbose_name='name')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='added')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tags', to='alignment.organisation')),
            ],
            options={
                'ordering': [django.db.models.functions.text.Lower('name'), 'pk'],
            },
        ),
        migrations.AddField(
            model_name='boundary',
            name='tags',
            field=models.ManyToManyField(blank=True, help_text="Areas of work from the organisation's list: the alignment map shows where two teams claim the same one.", related_name='boundaries', to='charters.organisationtag', verbose_name='tags'),
        ),
        migrations.AddConstraint(
            model_name='organisationtag',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('name'), models.F('organisation'), name='org_tag_name_unique_per_organisation'),
        ),
    ]
