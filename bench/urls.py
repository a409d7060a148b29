"""The bare page, mounted by `alignment/urls.py` only when the `BENCH_BARE_PAGE` setting is on."""

from django.urls import path

from bench import views

app_name = "bench"

urlpatterns = [
    path("bare/", views.bare, name="bare"),
]
