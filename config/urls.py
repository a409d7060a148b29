"""The site's URLs: the core's, then each app's in the order they depend on each other, then the admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config import health, metrics

urlpatterns = [
    path("health/", health.health, name="health"),
    # A load balancer's probes; health.ProbeMiddleware answers them first, for any Host and over plain http.
    path("health/live/", health.live, name="health_live"),
    path("health/ready/", health.ready, name="health_ready"),
    # Prometheus' scrape, for METRICS_TOKEN's bearer alone; metrics.MetricsMiddleware answers it first.
    path("metrics", metrics.metrics, name="metrics"),
    path("", include("alignment.urls")),
    path("", include("notifications.urls")),
    path("", include("charters.urls")),
    path("", include("decisions.urls")),
    path("", include("checkins.urls")),
    path("", include("reviews.urls")),
    path("", include("asks.urls")),
    path("", include("transfer.urls")),
    path("", include("chat.urls")),
    path("", include("api.urls")),
    path("admin/", admin.site.urls),
]

if settings.BENCH_BARE_PAGE:  # the benchmark's baseline page (`manage.py bench`), never on by default
    urlpatterns.append(path("bench/", include("bench.urls")))
