"""Rows' URLs made from one reversal (`alignment.row_urls.RowUrls`), kept per process for each set of arguments."""

from __future__ import annotations

from django.urls import reverse, set_script_prefix
from django.urls.base import get_script_prefix

from alignment.row_urls import ROW_ID, RowUrls


def test_each_row_gets_the_url_reverse_gives_it():
    urls = RowUrls("checkins:checkin", "harbour", "platform")
    assert [urls.of(pk) for pk in (7, 1234)] == [reverse("checkins:checkin", args=["harbour", "platform", pk])
                                               for pk in (7, 1234)]


def test_the_row_id_goes_where_it_stands_among_the_arguments():
    urls = RowUrls("charters:item_action", "harbour", "platform", 3, "goal", ROW_ID, "up")
    assert urls.of(42) == reverse("charters:item_action", args=["harbour", "platform", 3, "goal", 42, "up"])


def test_other_arguments_and_another_script_prefix_make_other_urls():
    RowUrls("checkins:checkin", "harbour", "platform")  # kept
    assert RowUrls("checkins:checkin", "harbour", "growth").of(5) == reverse("checkins:checkin",
                                                                            args=["harbour", "growth", 5])
    before = get_script_prefix()
    set_script_prefix("/charter/")
    try:
        assert RowUrls("checkins:checkin", "harbour", "platform").of(5).startswith("/charter/o/harbour/")
    finally:
        set_script_prefix(before)
    assert RowUrls("checkins:checkin", "harbour", "platform").of(5) == reverse("checkins:checkin",
                                                                             args=["harbour", "platform", 5])

