"""`{{ value|quantity:unit }}`: a measured value written as the charts write it ("72.5%", "950 ms")."""

from django import template

from charts.svg import format_number

register = template.Library()


@register.filter
def quantity(value, unit: str = "") -> str:
    """A dash for no value; else the number without trailing zeros, then its unit."""
    if value is None or value == "":
        return "—"
    return format_number(value, unit or "")
