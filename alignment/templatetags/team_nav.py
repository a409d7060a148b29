from django import template
from django.template.loader import render_to_string
from django.urls import reverse

from alignment import panels
from alignment.drawn_once import drawn_once

register = template.Library()


@register.simple_tag(takes_context=True)
def team_nav(context) -> str:
    """The team's sub-navigation: the core's link and each feature app's, as the reader may see them.

    Every reading of a team's pages draws the same few links: each drawing is kept in the process under
    what it is drawn from (the team's name and slugs, the links shown and which is current: `drawn_once`).
    """
    access = context.get("access")
    if access is None:
        return ""
    match = context["request"].resolver_match
    team = access.team
    links = tuple((str(link.label), link.url_name, current) for link, current in panels.team_links(
        access, current_app=match.app_name if match else "", current_url=match.url_name if match else ""))
    return _drawn(team.name, team.organisation.slug, team.slug, links)


@drawn_once(maxsize=2048)
def _drawn(name: str, org_slug: str, team_slug: str, links: tuple) -> str:
    args = [org_slug, team_slug]
    return render_to_string("alignment/_team_nav.html", {"team": {"name": name}, "links": [
        {"label": label, "url": reverse(url_name, args=args), "current": current} for label, url_name, current in links]})
