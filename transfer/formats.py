"""What each import reads: its columns, in the words docs/import-export.md uses, and an example file.

A file's first row names its columns. A header is matched whatever its case, spaces or hyphens
("Goal ID", "goal-id" and "goal_id" are one column); columns the import does not know are left alone,
and a required column missing is refused before any row is read.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    GOALS = "goals", _("Goals and key results")
    KEY_RESULT_HISTORY = "key_result_history", _("Key-result history")
    CHECKINS = "checkins", _("Check-in history")


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    required: bool = False


@dataclass(frozen=True)
class Format:
    kind: ImportKind
    columns: tuple[Column, ...]
    spreadsheets: bool  # XLSX as well as CSV
    example: tuple[tuple[str, ...], ...]  # rows under the header

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)

    def example_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(self.names)
        writer.writerows(self.example)
        return buffer.getvalue()


GOAL_COLUMNS = ("objective", "purpose_part", "tradeoff", "owner", "contributes_to")
KEY_RESULT_COLUMNS = ("metric", "unit", "start", "target", "current", "confidence")

FORMATS: dict[str, Format] = {f.kind: f for f in (
    Format(ImportKind.GOALS, (
        Column("goal_id", "Your id for the goal: rows with the same id describe the same goal.", required=True),
        Column("objective", "The goal's objective (on the goal's first row; later rows may leave it empty).",
               required=True),
        Column("purpose_part", "Which part of the purpose it advances: serves, outcome or refuses."),
        Column("tradeoff", "The tradeoff the team consciously accepts."),
        Column("owner", "The e-mail address of its owner, someone in the team."),
        Column("contributes_to", "The objective of the organisation goal it contributes to."),
        Column("key_result_id", "Your id for a key result of the goal; empty for a row about the goal alone."),
        Column("metric", "The key result's metric (needed with a key_result_id)."),
        Column("unit", "e.g. %, days, NPS points."),
        Column("start", "Its start value (a number)."),
        Column("target", "Its target value (a number)."),
        Column("current", "Where it stands now (a number); recorded as a reading, with its confidence."),
        Column("confidence", "on track, at risk or off track (needed with a current value)."),
    ), spreadsheets=True, example=(
        ("G1", "Clinicians can rely on the records system", "outcome", "Two roadmap features wait a cycle",
         "lena@example.com", "", "G1-KR1", "Availability in clinic hours", "%", "97", "99.5", "98.1", "at risk"),
        ("G1", "", "", "", "", "", "G1-KR2", "Pages answered within 5 minutes", "%", "60", "95", "", ""),
        ("G2", "Release weekly", "serves", "", "", "", "", "", "", "", "", "", ""),
    )),
    Format(ImportKind.KEY_RESULT_HISTORY, (
        Column("key_result_id", "The key result's id, as the goals import gave it.", required=True),
        Column("recorded_on", "When: a date (2026-11-16) or a date and time (2026-11-16 09:30), in the team's "
                              "time zone.", required=True),
        Column("value", "The value then (a number).", required=True),
        Column("confidence", "on track, at risk or off track.", required=True),
        Column("note", "Optional: what moved it."),
        Column("reading_id", "Optional: your id for the reading; empty, it is the key result's id and the "
                             "moment (G1-KR1@2026-11-16)."),
    ), spreadsheets=True, example=(
        ("G1-KR1", "2026-11-02", "97.4", "at risk", "Two outages in one week", ""),
        ("G1-KR1", "2026-11-16", "98.1", "on track", "", ""),
    )),
    Format(ImportKind.CHECKINS, (
        Column("email", "The e-mail address of whoever checked in, someone who checks in with the team.",
               required=True),
        Column("week", "Any day of the team's week (it starts on Monday); the week must be over.", required=True),
        Column("what_moved", "What moved that week."),
        Column("highlights", "Something that went well, or someone to thank."),
        Column("load", "light, about right or overloaded."),
        Column("unclear_who_decides", "Where it was unclear who decides."),
        Column("checkin_id", "Optional: your id for the check-in; empty, the check-in is found again by its "
                             "person and week."),
    ), spreadsheets=False, example=(
        ("max@example.com", "2026-11-16", "Shipped the rota export", "Pairing with Fay", "about right", "", ""),
        ("max@example.com", "2026-11-23", "Rota export in two clinics", "", "overloaded", "Who signs off releases?",
         ""),
    )),
)}


def column_key(header: str) -> str:
    """A header as the import matches it: lower case, words joined by "_"."""
    return re.sub(r"[\s\-]+", "_", header.strip().lower())
