"""`{% site_assets %}`: the icon, style sheets and scripts every page links, drawn once per process.

`{% site_header %}`: the site's header (brand, current team, team switcher, bell, the reader's name).

Every page draws it, and for one reader it reads the same from page to page: drawn through its template
(`templates/_site_header.html`) it was a tenth of a team page's time, most of it reversing the same URLs.
It is drawn from plain values (names, slugs, the unread count) and kept in the process under exactly
those values (`alignment.drawn_once`), so a renamed team, another unread count or a page of another team draws it anew and
nothing has to forget it. The reader's CSRF token is never kept: a placeholder stands in for it while the
header is drawn, and each response writes in its own.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from alignment.drawn_once import drawn_once
from alignment.templatetags.fragments import TOKEN_PLACEHOLDER, with_tokens

register = template.Library()

HEADER = "_site_header.html"
ASSETS = "_site_assets.html"
NAMED = ("home", "organisation_create", "profile", "logout", "login", "signup")


@register.simple_tag
def site_assets() -> SafeString:
    """Seven `{% static %}` addresses, the same for every page and reader: each was a look-up in the static files'
    manifest and a URL joined at every request. Kept under where the files are served from."""
    return mark_safe(_assets(settings.STATIC_URL, settings.STORAGES["staticfiles"]["BACKEND"]))  # noqa: S308 — our template


@drawn_once(maxsize=8)
def _assets(static_url: str, storage: str) -> str:
    return render_to_string(ASSETS)


@register.simple_tag(takes_context=True)
def site_header(context) -> SafeString:
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return _drawn(None)
    team, access = context.get("team"), context.get("access")
    # The access's list when it read the person's memberships, even an empty one (every team of theirs archived):
    # the context's lazy list would read them again.
    memberships = getattr(access, "nav_memberships", None) if access is not None else None
    if memberships is None:
        memberships = context.get("nav_memberships") or ()
    current = None
    if team:
        organisation = team.organisation
        current = (team.pk, team.name, team.slug, team.is_archived, organisation.slug, organisation.name)
    switcher = tuple((m.team_id, m.team.name, m.team.slug, m.team.organisation.slug, m.team.organisation.name)
                     for m in memberships)
    unread = int(str(context.get("unread_notifications", 0)))  # the bell's lazy count, read once
    reader = (str(user.name), unread, current, switcher)
    html = _drawn(reader)
    return mark_safe(with_tokens(html, str(context.get("csrf_token", ""))))  # noqa: S308 — drawn by our template


@drawn_once(maxsize=4096)
def _drawn(reader: tuple | None) -> str:
    urls = {name: reverse(name) for name in NAMED}
    values = {"urls": urls, "signed_in": reader is not None, "csrf_token": TOKEN_PLACEHOLDER}
    if reader is not None:
        user_name, unread, current, switcher = reader

        def team_url(org_slug: str, team_slug: str) -> str:
            return reverse("team", args=[org_slug, team_slug])

        values.update(user_name=user_name, unread_notifications=unread, switcher=[
            {"url": team_url(org_slug, slug), "current": current is not None and pk == current[0], "name": name,
             "organisation_name": org_name} for pk, name, slug, org_slug, org_name in switcher])
        if current is not None:
            pk, name, slug, archived, org_slug, org_name = current
            values["current"] = {"url": team_url(org_slug, slug), "name": name, "archived": archived,
                                 "organisation_url": reverse("organisation", args=[org_slug]),
                                 "organisation_name": org_name}
    return render_to_string(HEADER, values)
