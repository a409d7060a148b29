"""Cells going out to a spreadsheet and coming in from one: neither side is trusted.

Going out (`neutral`): a spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula
(OWASP, "CSV injection"), and some skip a leading tab or carriage return and then read the formula behind
it; such text gets a `'` in front, which spreadsheets show as text and hide. Numbers Charter wrote itself
(`-3.50`) are numbers and are left as they are: they cannot hold a formula.

Coming in (`typed`): what a person typed into their spreadsheet is text. Control characters other than
line breaks and tabs are dropped, line breaks are made `\\n`, and the `'` our own export put in front of
a formula-like text is taken off again, so that a file exported from Charter imports as it was. A formula
in a spreadsheet is never run or read for its value: `sheets.read_xlsx` refuses it.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def neutral(value: object) -> str:
    """A text cell as a spreadsheet may open it: shown, never run."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def number(value: object) -> str:
    """A number Charter recorded, as a CSV cell: left alone (it cannot start a formula); empty for none."""
    return "" if value is None else str(value)


def typed(value: str) -> str:
    """A cell of an imported file as the text it stands for."""
    text = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_STARTS):
        text = text[1:]
    return text
