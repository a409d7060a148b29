"""Waiting for a check-in's autosave to land, rather than for a while."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl

from playwright.sync_api import Page


@contextmanager
def draft_saved(page: Page, *values: str) -> Iterator[None]:
    """Waits, after what the block types, for the check-in's autosave that sends all of `values`.

    The save is debounced, so an earlier one may still be answering when the block starts: the one waited for
    is the one that carries what was typed last, not whichever answers next."""

    def carries(response) -> bool:
        request = response.request
        if request.method != "POST" or not request.url.endswith("/draft/"):
            return False
        sent = {value for _, value in parse_qsl(request.post_data or "")}
        return set(values) <= sent

    with page.expect_response(carries):
        yield
