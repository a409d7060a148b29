"""One confidence scale: a key result's confidence in the charter becomes on track / at risk / off track.

The editor asked 0–10 while check-ins and progress used three words. Existing values map as
follows (documented in docs/features.md, "Confidence"):

    0–3  → off track
    4–6  → at risk
    7–10 → on track
    none → none (blank)

Going back, each word becomes the middle of its band: off track → 2, at risk → 5, on track → 8.

Progress typed in the charter's editor becomes a reading of its own, with the source "charter".
"""

from django.db import migrations, models

FORWARD = [(range(0, 4), "off_track"), (range(4, 7), "at_risk"), (range(7, 11), "on_track")]
BACKWARD = {"off_track": 2, "at_risk": 5, "on_track": 8}


def to_words(apps, schema_editor):
    KeyResult = apps.get_model("charters", "KeyResult")
    for band, word in FORWARD:
        KeyResult.objects.filter(confidence__in=list(band)).update(confidence_scale=word)


def to_numbers(apps, schema_editor):
    KeyResult = apps.get_model("charters", "KeyResult")
    for word, number in BACKWARD.items():
        KeyResult.objects.filter(confidence_scale=word).update(confidence=number)


CONFIDENCE_CHOICES = [("on_track", "on track"), ("at_risk", "at risk"), ("off_track", "off track")]


class Migration(migrations.Migration):
    dependencies = [("charters", "0006_consent_rounds_end")]

    operations = [
        migrations.AddField(
            model_name="keyresult",
            name="confidence_scale",
            field=models.CharField(blank=True, choices=CONFIDENCE_CHOICES, default="", max_length=10),
            preserve_default=False,
        ),
        migrations.RunPython(to_words, to_numbers),
        migrations.RemoveConstraint(model_name="keyresult", name="key_result_confidence_0_10"),
        migrations.RemoveField(model_name="keyresult", name="confidence"),
        migrations.RenameField(model_name="keyresult", old_name="confidence_scale", new_name="confidence"),
        migrations.AlterField(
            model_name="keyresult",
            name="confidence",
            field=models.CharField(
                blank=True, choices=CONFIDENCE_CHOICES, max_length=10, verbose_name="confidence",
                help_text="How likely the target is reached this cycle. With the current value, it is recorded as "
                          "a progress reading.",
            ),
        ),
        migrations.AddConstraint(
            model_name="keyresult",
            constraint=models.CheckConstraint(
                condition=models.Q(("confidence__in", ["", "on_track", "at_risk", "off_track"])),
                name="key_result_confidence_valid",
            ),
        ),
        migrations.AlterField(
            model_name="keyresultprogress",
            name="source",
            field=models.CharField(
                choices=[("check_in", "check-in"), ("direct", "recorded directly"), ("charter", "typed in the charter")],
                default="direct", max_length=10, verbose_name="source",
            ),
        ),
        migrations.RemoveConstraint(model_name="keyresultprogress", name="kr_progress_source_ref_only_from_check_in"),
        migrations.AddConstraint(
            model_name="keyresultprogress",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("source", "check_in"), ("source_ref__isnull", False)),
                    models.Q(("source__in", ["direct", "charter"]), ("source_ref__isnull", True)),
                    _connector="OR",
                ),
                name="kr_progress_source_ref_only_from_check_in",
            ),
        ),
    ]
