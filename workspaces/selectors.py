"""Read operations on workspaces, their people and their keys."""

from __future__ import annotations

from django.db.models import QuerySet

from workspaces.models import Membership, Workspace, WorkspaceAPIKey


def user_workspace(*, user_id: int) -> Workspace | None:
    """Return the workspace the person `user_id` belongs to, or None if they belong to none."""
    membership = Membership.objects.select_related("workspace").filter(user_id=user_id).first()
    return membership.workspace if membership else None


def api_key_list(*, workspace: Workspace) -> QuerySet[WorkspaceAPIKey]:
    """Return the workspace's API keys (revoked ones too), newest first."""
    return WorkspaceAPIKey.objects.filter(workspace=workspace).order_by("-created")
