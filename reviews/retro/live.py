"""The live board's regions: what a poll sends when the session moved on, and nothing more.

The board (`templates/reviews/retro/session.html#board`) marks as regions the parts that change while a
session runs (`{% region %}`, reviews/templatetags/live_board.py): the cards under a prompt, a theme's
head, cards and notes, the phase's counts, the agreed actions. The rest, the board's frame, its headings
and the forms people type into, is its skeleton. Each region and the skeleton are summed up by a digest
of their HTML, leaving out what changes at every drawing and says nothing (CSRF and form tokens, and
whether a field keeps what is typed). The poller asks with the digests of the board its page shows
(`DrawnBoard.digests`); the answer is the regions whose digest moved, swapped out of band (htmx
`hx-swap-oob`), so what someone is typing, and where their focus is, stay as they are. When the skeleton
moved (another phase, a prompt or a theme added, a form sent) the whole board is sent, as after a post.

The board is drawn once for everyone who reads a version of it alike (the same permissions), with a mark
where each reader's own parts go (`{% own %}`: their cards, ratings, votes and counts, the timer's clock, the
forms they send); each reading fills the marks in for its reader (`fill_own`) before the regions are read.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# The marks around the board and its regions while it is drawn; never in a page otherwise (Django's form
# fields refuse the null character, so nobody can type one).
BOARD_START, BOARD_END = "\x00board\x00", "\x00/board\x00"
START, END = "\x00region:", "\x00/region\x00"
MARKED = re.compile("\x00region:([^\x00]*)\x00(.*?)\x00/region\x00", re.S)
# Where a reader's own part goes in the board drawn for everyone (`{% own %}`): its name, what it is of, and what
# everyone but its owner reads there (a card as others see it; nothing for the rest).
OWN = re.compile("\x00own:([^\x00]*)\x00([^\x00]*)\x00([^\x00]*)\x00/own\x00")
# Sent whenever anything changed, never compared: the poller carries the version and the digests.
POLLER = "board-poll"
# Where the poller's URL takes the board's digests, once they are known, and when this reading drew it.
DIGESTS = "\x00digests\x00"
DRAWN_AT = "\x00drawn-at\x00"
# How long a poller may be told "nothing new" from its session's version alone (`nothing_new`). What the board
# shows from outside the session (a person renamed, a commitment kept, the cycle's check-ins, a member who left)
# moves no version: a poll of a board drawn longer ago than this is answered from the board drawn anew (the
# regions that changed, or the poller alone with the time), so such a change reaches every open board within it,
# and no writer elsewhere has to remember the sessions that show what it wrote.
RECHECK_SECONDS = 30
# What changes at every drawing and says nothing: tokens masked anew, and which fields keep what is typed.
NOISE = re.compile(r'(name="(?:csrfmiddlewaretoken|token)" value=")[^"]*"| hx-preserve="true"')


def mark_board(html: str) -> str:
    return f"{BOARD_START}{html}{BOARD_END}"


def mark_region(dom_id: str, html: str) -> str:
    return f"{START}{dom_id}\x00{html}{END}"


def mark_own(name: str, of: object, alike: str = "") -> str:
    return f"\x00own:{name}\x00{of}\x00{alike}\x00/own\x00"


def fill_own(html: str, draw: Callable[[str, str, str], str]) -> str:
    """The board drawn for everyone with each reader's own part drawn in its mark: `draw(name, of, alike)`, where
    `alike` is what everyone but the part's owner reads there."""
    return OWN.sub(lambda found: draw(found.group(1), found.group(2), found.group(3)), html)


def nothing_new(asked: Mapping[str, str], version: int, now: float) -> bool:
    """Whether a poll asking with `asked` (its query: `v` the version its board shows, `s` when it was drawn) may be
    answered "nothing new" at `now` (seconds) without drawing the board: its version is the session's, and its board
    was drawn less than `RECHECK_SECONDS` ago. A poller that does not say when (a page drawn before boards said) is
    answered by its version alone, as it always was."""
    if asked.get("v") != str(version):
        return False
    drawn_at = asked.get("s", "")
    return not drawn_at.isdigit() or now - int(drawn_at) < RECHECK_SECONDS


def _digest(html: str) -> str:
    return hashlib.blake2b(NOISE.sub(r"\1", html).encode(), digest_size=4).hexdigest()


@dataclass(frozen=True)
class Region:
    dom_id: str
    html: str
    digest: str

    def out_of_band(self) -> str:
        """The region as an htmx out-of-band swap: it replaces the element with its id."""
        return re.sub(r"^(\s*<[A-Za-z][A-Za-z0-9-]*)", r'\1 hx-swap-oob="true"', self.html, count=1)


@dataclass(frozen=True)
class DrawnBoard:
    """The board as drawn for one reader: its HTML, and the digests of its skeleton and regions."""

    html: str
    skeleton: str
    regions: list[Region]
    poller: Region | None

    @property
    def digests(self) -> str:
        """What the poller sends back: the skeleton's digest, then each region's, in the board's order."""
        return ".".join([self.skeleton, *(region.digest for region in self.regions)])

    def changed_since(self, digests: str) -> list[Region] | None:
        """The regions that differ from the page's (its `digests`), the poller last; None if its skeleton does."""
        skeleton, *regions = digests.split(".")
        if skeleton != self.skeleton or len(regions) != len(self.regions):
            return None
        changed = [region for region, seen in zip(self.regions, regions, strict=True) if region.digest != seen]
        return [*changed, self.poller] if self.poller is not None else changed


def read(drawn: str, now: float) -> DrawnBoard:
    """The page or board as drawn, without its marks; with the digests of the board's skeleton and regions (and
    the poller's URL given them, and `now`, the time of this reading in seconds). What surrounds the board on a page
    (`{% board %}`) is not the board's."""
    before, _, rest = drawn.partition(BOARD_START)
    if not rest:
        before, rest = "", before
    drawn, _, after = rest.partition(BOARD_END)
    regions: list[Region] = []
    poller: Region | None = None
    skeleton: list[str] = []
    at = 0
    for found in MARKED.finditer(drawn):
        dom_id, html = found.group(1), found.group(2)
        skeleton.append(drawn[at:found.start()])
        skeleton.append(f"<{dom_id}>")  # which regions, in which order, is the skeleton's
        at = found.end()
        if dom_id == POLLER:
            poller = Region(dom_id, html, "")
        else:
            regions.append(Region(dom_id, html, _digest(html)))
    skeleton.append(drawn[at:])
    board = DrawnBoard(html="", skeleton=_digest("".join(skeleton)), regions=regions, poller=poller)
    digests, drawn_at = board.digests, str(int(now))
    if poller is not None:
        poller = Region(POLLER, poller.html.replace(DIGESTS, digests).replace(DRAWN_AT, drawn_at), "")
    html = before + MARKED.sub(lambda found: found.group(2), drawn).replace(DIGESTS, digests) \
        .replace(DRAWN_AT, drawn_at) + after
    return DrawnBoard(html=html, skeleton=board.skeleton, regions=regions, poller=poller)
