# Organisation goals with key results and readings; a team goal names the organisation goal it contributes to.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        # Needs only the organisation's table; not the settings migration being written beside it.
        ('alignment', '0012_small_team_privacy'),
        ('charters', '0008_typed_values_become_readings'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='OrganisationKeyResult',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('metric', models.CharField(max_length=200, verbose_name='metric')),
                ('unit', models.CharField(blank=True, help_text='e.g. %, days, NPS points', max_length=30, verbose_name='unit')),
                ('start_value', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='start')),
                ('target_value', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='target')),
                ('current_value', models.DecimalField(blank=True, decimal_places=2, editable=False, max_digits=14, null=True, verbose_name='current')),
                ('confidence', models.CharField(blank=True, choices=[('on_track', 'on track'), ('at_risk', 'at risk'), ('off_track', 'off track')], editable=False, max_length=10, verbose_name='confidence')),
                ('read_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='last reading')),
                ('position', models.PositiveIntegerField(default=0)),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
            ],
            options={
                'ordering': ['position', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='OrganisationKeyResultReading',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('value', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='value')),
                ('confidence', models.CharField(choices=[('on_track', 'on track'), ('at_risk', 'at risk'), ('off_track', 'off track')], max_length=10, verbose_name='confidence')),
                ('note', models.TextField(blank=True, help_text='Optional: what moved it, or what stands in the way.', max_length=2000, verbose_name='note')),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='recorded')),
            ],
            options={
                'ordering': ['-recorded_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='OrganisationGoal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('objective', models.CharField(max_length=240, verbose_name='objective')),
                ('purpose_part', models.CharField(choices=[('serves', 'Who it serves'), ('outcome', 'The outcome it exists to create'), ('refuses', 'What it refuses to trade away')], max_length=10, verbose_name="advances which part of the organisation's purpose")),
                ('position', models.PositiveIntegerField(default=0)),
                ('version', models.PositiveIntegerField(default=1, editable=False, help_text='Bumped by every edit, to detect concurrent edits.')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed')),
                ('closed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='goals', to='alignment.organisation')),
                ('owner', models.ForeignKey(blank=True, help_text='Optional: the person who answers for this goal.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner')),
            ],
            options={
                'ordering': ['position', 'pk'],
            },
        ),
        migrations.AddField(
            model_name='goal',
            name='contributes_to',
            field=models.ForeignKey(blank=True, help_text="The organisation goal this goal rolls up to, if any: one of the team's own organisation.", null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='contributions', to='charters.organisationgoal', verbose_name='contributes to which organisation goal'),
        ),
        migrations.AddIndex(
            model_name='goal',
            index=models.Index(condition=models.Q(('contributes_to__isnull', False)), fields=['contributes_to'], name='goal_contributes_to'),
        ),
        migrations.AddField(
            model_name='organisationkeyresult',
            name='goal',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='key_results', to='charters.organisationgoal'),
        ),
        migrations.AddField(
            model_name='organisationkeyresultreading',
            name='key_result',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='readings', to='charters.organisationkeyresult'),
        ),
        migrations.AddField(
            model_name='organisationkeyresultreading',
            name='recorded_by',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='organisationgoal',
            index=models.Index(fields=['organisation', 'position'], name='org_goal_organisation_position'),
        ),
        migrations.AddConstraint(
            model_name='organisationgoal',
            constraint=models.CheckConstraint(condition=models.Q(('purpose_part__in', ['serves', 'outcome', 'refuses'])), name='org_goal_purpose_part_valid'),
        ),
        migrations.AddIndex(
            model_name='organisationkeyresult',
            index=models.Index(fields=['goal', 'position'], name='org_kr_goal_position'),
        ),
        migrations.AddConstraint(
            model_name='organisationkeyresult',
            constraint=models.CheckConstraint(condition=models.Q(('confidence__in', ['', 'on_track', 'at_risk', 'off_track'])), name='org_key_result_confidence_valid'),
        ),
        migrations.AddIndex(
            model_name='organisationkeyresultreading',
            index=models.Index(fields=['key_result', '-recorded_at'], name='org_kr_reading_time'),
        ),
        migrations.AddConstraint(
            model_name='organisationkeyresultreading',
            constraint=models.CheckConstraint(condition=models.Q(('confidence__in', ['on_track', 'at_risk', 'off_track'])), name='org_kr_reading_confidence_valid'),
        ),
    ]
