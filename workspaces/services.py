"""Write operations on workspaces and their keys."""

from __future__ import annotations

from django.db import transaction

from workspaces.models import Workspace, WorkspaceAPIKey


@transaction.atomic
def api_key_create(*, workspace_name: str, key_name: str = "") -> tuple[WorkspaceAPIKey, str]:
    """Create an API key for the named workspace, creating the workspace if needed.

    Returns the stored key and the plain-text key, which is shown once and never stored.
    Raises ValueError when the name is blank or too long.
    """
    name = workspace_name.strip()
    if not name or len(name) > 100:
        raise ValueError("The workspace name must be 1-100 characters.")
    workspace, _ = Workspace.objects.get_or_create(name=name)
    return WorkspaceAPIKey.objects.create_key(
        workspace=workspace, name=key_name.strip()[:50] or f"{name} key"
    )


def workspace_get_or_create(*, name: str) -> Workspace:
    """Return the workspace called `name`, creating it on first use."""
    workspace, _ = Workspace.objects.get_or_create(name=name)
    return workspace
