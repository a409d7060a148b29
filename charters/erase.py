"""What erasing a person does to charters (alignment/erasure.py): nothing is deleted.

Everything they wrote or gave is part of the team's record and stays, under "Former member": their comments and
the threads they resolved, their consent and objections with their reasons (a ratified version says who had
consented to it; an objection and its answer explain the text), the record of who had not given their word at a
ratification, the charters they started or ratified, the goals they owned and the key-result progress they
recorded. What other people wrote about them in their own words (a charter's "people" section) is theirs, not
the app's to rewrite.
"""

from __future__ import annotations

from alignment.erasure import ErasureSubject


def erase(subject: ErasureSubject) -> dict[str, int]:
    return {}
