"""The site's URLs plus the bare page: the URLconf `manage.py bench` measures with in-process.

In-process the bare page is measured whatever `BENCH_BARE_PAGE` says, without mounting it on
the real site.
"""

from django.urls import include, path

from config.urls import urlpatterns as site

urlpatterns = [
    *(pattern for pattern in site if getattr(pattern, "app_name", None) != "bench"),
    path("bench/", include("bench.urls")),
]
