"""The site's URLs plus the bare page: the URLconf `manage.py bench` measures with in-process.

In-process the bare page is measured whatever `BENCH_BARE_PAGE` says, without mounting it on
the real site.
"""

from importlib import import_module

from django.conf import settings
from django.urls import include, path

urlpatterns = [
    # The site's own URLs (settings.SITE_URLCONF: ROOT_URLCONF is this module while the bench measures),
    # less a bench page mounted on them.
    *(pattern for pattern in import_module(settings.SITE_URLCONF).urlpatterns
      if getattr(pattern, "app_name", None) != "bench"),
    path("bench/", include("bench.urls")),
]
