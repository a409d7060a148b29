from django import template

from alignment import panels

register = template.Library()


@register.inclusion_tag("alignment/_team_nav.html", takes_context=True)
def team_nav(context) -> dict:
    """The team's sub-navigation: the core's link and each feature app's, as the reader may see them."""
    access = context.get("access")
    if access is None:
        return {"links": []}
    match = context["request"].resolver_match
    return {
        "team": access.team,
        "links": panels.team_links(access, current_app=match.app_name if match else "",
                                   current_url=match.url_name if match else ""),
    }
