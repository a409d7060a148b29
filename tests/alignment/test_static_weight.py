"""What a page makes the browser fetch besides its HTML: our own files only, light once compressed.

The budget is 60 KB of CSS and JavaScript per page as transferred (gzip, which WhiteNoise
serves when the browser accepts it), htmx included; nothing render-blocking from elsewhere.
"""

from __future__ import annotations

import gzip
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

BUDGET = 60 * 1024
ASSET = re.compile(r"""<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+)"[^>]*>""")


def _assets(html: str) -> list[str]:
    return [url for url in ASSET.findall(html) if url.endswith((".css", ".js"))]


def _transferred(url: str) -> int:
    path = finders.find(url.removeprefix(settings.STATIC_URL))
    assert path, f"{url} is not one of our static files"
    with open(path, "rb") as handle:
        return len(gzip.compress(handle.read(), compresslevel=9))


@pytest.mark.parametrize("page", ["home", "team", "this week", "trends"])
def test_css_and_javascript_of_a_page_stay_within_budget(login, member, team, page):
    from django.urls import reverse

    urls = {
        "home": reverse("home"),
        "team": team.get_absolute_url(),
        "this week": reverse("checkins:this_week", args=[team.organisation.slug, team.slug]),
        "trends": reverse("checkins:trends", args=[team.organisation.slug, team.slug]),
    }
    html = login(member).get(urls[page]).content.decode()

    assets = _assets(html)
    assert any(a.endswith("htmx-2.min.js") for a in assets)
    assert sum(_transferred(url) for url in assets) <= BUDGET


def test_every_asset_is_ours_and_no_script_blocks_rendering(login, member):
    from django.urls import reverse

    html = login(member).get(reverse("home")).content.decode()

    assert all(url.startswith(settings.STATIC_URL) for url in _assets(html))
    for tag in re.findall(r"<script[^>]*>", html):
        assert " defer" in tag or " async" in tag or "src=" not in tag
