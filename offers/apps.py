"""App configuration of offers."""

from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "offers"

    def ready(self) -> None:
        # Imported once the models are loaded, as Django requires of code that uses them.
        from offers.services import workspace_offers_erase
        from workspaces.erasure import workspace_erasing

        workspace_erasing.connect(workspace_offers_erase, dispatch_uid="offers")
