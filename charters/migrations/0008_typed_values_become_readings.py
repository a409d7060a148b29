"""Current values typed in the charter before they were recorded as readings become readings (source "charter").

Since 0007 the editor records what is typed as a reading (`services._record_typed_progress`). A key result
typed before that has none, so the cycle page shows "—" and the decision ledger's "Then" is blank. For each
lineage without a single reading, this records its key results' typed values as the editor would have:

- only a value with its confidence (a value alone, or a confidence alone, is no reading in the editor
  either, and a reading needs a confidence);
- version by version, only where the value or confidence changed from the reading recorded before it
  (an amendment starts as a copy of the version it amends: the copy is no new reading);
- filed on the key result of its own version; a value typed in an amendment still being drafted or proposed
  on the same key result of the version it amends (the version in force), as `record_progress` files it.

When each is dated: the editor never kept when a value was typed. A ratified (or since superseded) version's
value is dated when it was ratified: typed no later than that, and the team's agreed value from then on, so
every check-in and decision made against that version (the ledger's "Then") finds it; the version's creation
would date it before it was typed, possibly before the cycle that reads it. A draft or proposal's value
is dated by the version's last change we know of (edited, else proposed, else started).

Each reading carries the note `NOTE`: the editor's own readings carry none, so going back removes these and
no other, and re-marks the latest reading of each lineage it touched (a check-in may have followed).
"""

from django.db import migrations
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

NOTE = "Typed in the charter before typed values were recorded as readings; dated by its version of the charter."
CHARTER = "charter"
RATIFIED_STATES = ("ratified", "superseded")
EDITABLE_STATES = ("draft", "proposed")
BATCH = 500


def _dated(row):
    """When the value typed in `row`'s version is taken to have been recorded (see the module's docstring)."""
    if row.version_state in RATIFIED_STATES and row.ratified_at is not None:
        return row.ratified_at
    return max(moment for moment in (row.started_at, row.proposed_at, row.edited_at) if moment is not None)


def _readings_of(Progress, lineage_id: int, rows: list) -> list:
    """One lineage's readings (its key results in version order), placed in its history."""
    in_version = {row.version_id: row.pk for row in rows}
    readings, last = [], None
    for row in rows:
        if row.current_value is None or not row.confidence or (row.current_value, row.confidence) == last:
            continue
        last = (row.current_value, row.confidence)
        filed_on = row.pk
        if row.version_state in EDITABLE_STATES and row.amends_id in in_version:
            filed_on = in_version[row.amends_id]
        readings.append(Progress(lineage_id=lineage_id, key_result_id=filed_on, value=row.current_value,
                                 confidence=row.confidence, note=NOTE, recorded_at=_dated(row), source=CHARTER))
    readings.sort(key=lambda reading: reading.recorded_at)  # stable: version order on a tie, as the ids will be
    previous = ""
    for reading in readings:
        reading.previous_confidence, previous = previous, reading.confidence
    if readings:
        readings[-1].is_latest = True
    return readings


def record_typed_values(apps, schema_editor):
    KeyResult = apps.get_model("charters", "KeyResult")
    Progress = apps.get_model("charters", "KeyResultProgress")
    rows = (KeyResult.objects.annotate(lineage_key=Coalesce("lineage_id", "pk"))
            .filter(~Exists(Progress.objects.filter(lineage_id=OuterRef("lineage_key"))))
            .annotate(version_id=F("goal__charter_id"), version_number=F("goal__charter__number"),
                      version_state=F("goal__charter__state"), amends_id=F("goal__charter__based_on_id"),
                      ratified_at=F("goal__charter__ratified_at"), edited_at=F("goal__charter__edited_at"),
                      proposed_at=F("goal__charter__proposed_at"), started_at=F("goal__charter__created_at"))
            .order_by("lineage_key", "version_number", "pk")
            .values_list("pk", "lineage_key", "current_value", "confidence", "version_id", "version_state",
                         "amends_id", "ratified_at", "edited_at", "proposed_at", "started_at", named=True))
    # Every reading is built before the first is written: nothing is written to the table the query reads.
    readings, lineage_id, lineage = [], None, []
    for row in rows.iterator(chunk_size=2000):
        if row.lineage_key != lineage_id:
            readings += _readings_of(Progress, lineage_id, lineage)
            lineage_id, lineage = row.lineage_key, []
        lineage.append(row)
    readings += _readings_of(Progress, lineage_id, lineage)
    Progress.objects.bulk_create(readings, batch_size=BATCH)


def remove_recorded_values(apps, schema_editor):
    Progress = apps.get_model("charters", "KeyResultProgress")
    recorded = Progress.objects.filter(source=CHARTER, note=NOTE)
    lineages = list(recorded.order_by().values_list("lineage_id", flat=True).distinct())
    recorded.delete()
    # What is left of each lineage gets its place in the history again, as 0004 gave it: a reading
    # recorded since may have followed one of these, or been dated before the one that was latest.
    for start in range(0, len(lineages), BATCH):
        _mark_latest_and_previous(Progress.objects.filter(lineage_id__in=lineages[start:start + BATCH]), Progress)


def _mark_latest_and_previous(readings, Progress) -> None:
    same_lineage = Progress.objects.filter(lineage_id=OuterRef("lineage_id"))
    earlier = same_lineage.filter(
        Q(recorded_at__lt=OuterRef("recorded_at")) | Q(recorded_at=OuterRef("recorded_at"), pk__lt=OuterRef("pk"))
    ).order_by("-recorded_at", "-pk")
    later = same_lineage.filter(
        Q(recorded_at__gt=OuterRef("recorded_at")) | Q(recorded_at=OuterRef("recorded_at"), pk__gt=OuterRef("pk"))
    )
    readings.update(previous_confidence=Coalesce(Subquery(earlier.values("confidence")[:1]), Value("")),
                    is_latest=~Exists(later))


class Migration(migrations.Migration):
    dependencies = [("charters", "0007_one_confidence_scale")]

    operations = [
        migrations.RunPython(record_typed_values, remove_recorded_values, elidable=True),
    ]
