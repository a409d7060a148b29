from django.apps import AppConfig


class ChartsConfig(AppConfig):
    """Server-rendered SVG charts and the `charts` and `numbers` template tags; imports nothing of the project."""

    name = "charts"
