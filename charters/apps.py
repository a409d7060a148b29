from django.apps import AppConfig


class ChartersConfig(AppConfig):
    name = "charters"
