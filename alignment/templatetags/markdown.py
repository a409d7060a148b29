from django import template

from alignment.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    """Render Markdown typed by a person as sanitised HTML."""
    return render_markdown(text)
