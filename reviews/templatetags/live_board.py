"""`{% board %}` and `{% region %}`: the live retrospective board, and the parts of it a poll may send alone.

    {% load live_board %}
    {% board %}<div id="board">
      {% region view.cards_dom_id %}<ul class="cards" id="{{ view.cards_dom_id }}">...</ul>{% endregion %}
    </div>{% endboard %}

A region is one element, named by its id (the argument). When the board is drawn for the live page
(`live_regions` in the context), the board and each region are marked so that `reviews.retro.live.read`
can tell the regions from the board's skeleton and sum each up; elsewhere the tags draw their content
and nothing more.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.template.base import Node, NodeList, Parser, Token

from reviews.retro.live import mark_board, mark_region

register = template.Library()


class RegionNode(Node):
    def __init__(self, dom_id, nodelist: NodeList):
        self.dom_id, self.nodelist = dom_id, nodelist

    def render(self, context) -> str:
        html = self.nodelist.render(context)
        if not context.get("live_regions"):
            return html
        return mark_region(str(self.dom_id.resolve(context)), html)


@register.tag
def region(parser: Parser, token: Token) -> RegionNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(f"{bits[0]} takes the region's DOM id")
    nodelist = parser.parse(("endregion",))
    parser.delete_first_token()
    return RegionNode(parser.compile_filter(bits[1]), nodelist)


class BoardNode(Node):
    def __init__(self, nodelist: NodeList):
        self.nodelist = nodelist

    def render(self, context) -> str:
        html = self.nodelist.render(context)
        return mark_board(html) if context.get("live_regions") else html


@register.tag
def board(parser: Parser, token: Token) -> BoardNode:
    nodelist = parser.parse(("endboard",))
    parser.delete_first_token()
    return BoardNode(nodelist)


@register.simple_tag
def poll_every() -> str:
    """How often the board asks what changed, as htmx's trigger says it (`RETRO_POLL_SECONDS`, 2 by default)."""
    return f"every {settings.RETRO_POLL_SECONDS:g}s"
