from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenchConfig(AppConfig):
    """No models and no demo data: a management command, and a bare page to compare the real ones with."""

    name = "bench"
    verbose_name = _("Benchmark")
