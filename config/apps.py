from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project's wiring as an app: what must be connected in every process once Django starts (web,
    worker and beat alike; a Celery worker starts Django through the app's Django fix-up)."""

    name = "config"
    verbose_name = "Project"

    def ready(self) -> None:
        # The system checks; the handlers of Celery's signals (the request id carried into tasks, the worker
        # keeping Django's logging, the task metrics). Here rather than in config.celery, which the package
        # itself imports.
        from config import checks, logs, metrics  # noqa: F401  (registers and connects them)
