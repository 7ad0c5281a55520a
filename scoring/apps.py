"""App configuration of scoring."""

from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "scoring"

    def ready(self) -> None:
        # Imported once the models are loaded, as Django requires of code that uses them.
        from scoring.erasure import workspace_scoring_erase
        from workspaces.erasure import workspace_erasing

        workspace_erasing.connect(workspace_scoring_erase, dispatch_uid="scoring")
