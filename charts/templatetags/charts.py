"""`{% line_chart chart chart_id title desc %}` and `{% bar_chart ... %}`: a chart from `charts.svg`
as an accessible SVG image. The caller also renders the numbers as a table."""

from django import template

from charts import svg as charts

register = template.Library()


@register.simple_tag
def line_chart(chart: charts.LineChart, chart_id: str, title: str, desc: str):
    return charts.render_line_chart(chart, chart_id=chart_id, title=title, desc=desc)


@register.simple_tag
def bar_chart(chart: charts.BarChart, chart_id: str, title: str, desc: str):
    return charts.render_bar_chart(chart, chart_id=chart_id, title=title, desc=desc)


@register.simple_tag
def chart_legend(chart: charts.LineChart | charts.BarChart, chart_id: str):
    """What each line, marker, bar, guide and gap of the chart stands for, in words."""
    return charts.render_legend(chart.legend, chart_id=chart_id)
