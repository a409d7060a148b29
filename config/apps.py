from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project's wiring as an app, so that its system checks are registered when Django starts."""

    name = "config"
    verbose_name = "Project"

    def ready(self) -> None:
        from config import checks  # noqa: F401  (registers them)
