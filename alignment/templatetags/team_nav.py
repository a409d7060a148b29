from functools import lru_cache

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

from alignment import panels

register = template.Library()


@register.simple_tag(takes_context=True)
def team_nav(context) -> str:
    """The team's sub-navigation: the core's link and each feature app's, as the reader may see them.

    Every reading of a team's pages draws the same few links: each drawing is kept in the process under
    everything it is drawn from (the team's name and slugs, the links shown and which is current, the URLs'
    configuration and the language), so nothing has to forget it.
    """
    access = context.get("access")
    if access is None:
        return ""
    match = context["request"].resolver_match
    team = access.team
    links = tuple((str(link.label), link.url_name, current) for link, current in panels.team_links(
        access, current_app=match.app_name if match else "", current_url=match.url_name if match else ""))
    return _drawn(team.name, team.organisation.slug, team.slug, links, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(),
                  get_language())


@lru_cache(maxsize=2048)
def _drawn(name: str, org_slug: str, team_slug: str, links: tuple, urlconf, prefix: str, language: str) -> str:
    args = [org_slug, team_slug]
    return render_to_string("alignment/_team_nav.html", {"team": {"name": name}, "links": [
        {"label": label, "url": reverse(url_name, args=args, urlconf=urlconf), "current": current}
        for label, url_name, current in links]})
