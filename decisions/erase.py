"""What erasing a person does to the decision log (alignment/erasure.py): nothing is deleted.

The proposals they logged, the final calls they recorded and the reviews they made are the team's record of why
it decided as it did; they stay under "Former member".
"""

from __future__ import annotations

from alignment.erasure import ErasureSubject


def erase(subject: ErasureSubject) -> dict[str, int]:
    return {}
