"""What erasing a person does to requests between teams (alignment/erasure.py): nothing is deleted.

A request they sent or answered, and what they wrote in a consultation's thread, is part of both teams' record
(an answered request may have logged a decision); it stays under "Former member".
"""

from __future__ import annotations

from alignment.erasure import ErasureSubject


def erase(subject: ErasureSubject) -> dict[str, int]:
    return {}
