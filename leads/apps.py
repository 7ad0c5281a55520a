"""App configuration of leads."""

from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self) -> None:
        # Imported once the models are loaded, as Django requires of code that uses them.
        from leads.services import workspace_leads_erase
        from workspaces.erasure import workspace_erasing

        workspace_erasing.connect(workspace_leads_erase, dispatch_uid="leads")
