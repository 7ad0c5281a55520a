"""App configuration of offers."""

from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "offers"
