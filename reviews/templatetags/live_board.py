"""`{% board %}` and `{% region %}`: the live retrospective board, and the parts of it a poll may send alone.

    {% load live_board %}
    {% board %}<div id="board">
      {% region view.cards_dom_id %}<ul class="cards" id="{{ view.cards_dom_id }}">...</ul>{% endregion %}
    </div>{% endboard %}

A region is one element, named by its id (the argument). When the board is drawn for the live page
(`live_regions` in the context), the board and each region are marked so that `reviews.retro.live.read`
can tell the regions from the board's skeleton and sum each up; elsewhere the tags draw their content
and nothing more.

    {% own "vote-form" view.theme.pk %}<form>...</form>{% endown %}

An own part is the reader's: their card, their rating, their votes. Drawn for one reader it is its content;
in the board drawn for everyone who reads it alike (`board_for_all` in the context) it is a mark, named by the
part's name and what it is of, which each reading draws for its reader (`own_parts`, `reviews.retro.live`). The
mark holds what everyone but the part's owner reads there, when the context has it (`alike`: by part, by what
it is of): a card as others see it, so that a reading draws only its reader's own cards.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from django import template
from django.conf import settings
from django.template.base import Node, NodeList, Parser, Template, Token

from reviews.retro.live import mark_board, mark_own, mark_region

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


class OwnNode(Node):
    def __init__(self, name: str, of, nodelist: NodeList):
        self.name, self.of, self.nodelist = name, of, nodelist

    def render(self, context) -> str:
        if not context.get("board_for_all"):
            return self.nodelist.render(context)
        of = self.of.resolve(context) if self.of is not None else ""
        return mark_own(self.name, of, context.get("alike", {}).get(self.name, {}).get(of, ""))


@register.tag
def own(parser: Parser, token: Token) -> OwnNode:
    bits = token.split_contents()
    if len(bits) not in (2, 3) or bits[1][0] not in "'\"" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(f"{bits[0]} takes the part's name, quoted, and what it is of")
    nodelist = parser.parse(("endown",))
    parser.delete_first_token()
    return OwnNode(bits[1][1:-1], parser.compile_filter(bits[2]) if len(bits) == 3 else None, nodelist)


def own_parts(drawn: Template) -> dict[str, OwnNode]:
    """The own parts of a template, by name: each name is one part (a part drawn in several places is a partial)."""
    found = _own_parts.get(drawn)
    if found is None:
        found = {}
        for node in drawn.nodelist.get_nodes_by_type(OwnNode):
            if node.name in found:
                raise template.TemplateSyntaxError(f"Two own parts are named {node.name!r}")
            found[node.name] = node
        _own_parts[drawn] = found
    return found


_own_parts: WeakKeyDictionary[Template, dict[str, OwnNode]] = WeakKeyDictionary()


@register.simple_tag
def poll_every() -> str:
    """How often the board asks what changed, as htmx's trigger says it (`RETRO_POLL_SECONDS`, 2 by default)."""
    return f"every {settings.RETRO_POLL_SECONDS:g}s"
