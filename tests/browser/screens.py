"""The screens the main journeys run on: a desktop with JavaScript, and a 390 px phone without it."""

from __future__ import annotations

import pytest

PHONE = {"width": 390, "height": 844}
SCREENS = pytest.mark.parametrize("javascript, viewport", [(True, None), (False, PHONE)],
                                  ids=["desktop-with-javascript", "phone-without-javascript"])


def fits_the_screen(page, viewport) -> None:
    """On the phone, nothing makes the page scroll sideways (wide tables scroll inside their own box)."""
    if viewport is not None:
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
