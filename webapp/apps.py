"""The web app for sales teams: server-rendered pages over the same services as the API."""

from django.apps import AppConfig


class WebappConfig(AppConfig):
    name = "webapp"
    verbose_name = "Web app"
