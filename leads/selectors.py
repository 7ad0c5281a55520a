"""Read operations on leads and uploads, always within one workspace."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from leads.models import Lead, Upload
from workspaces.models import Workspace


def upload_list(*, workspace: Workspace) -> QuerySet[Upload]:
    """Return the workspace's uploads, newest first."""
    return Upload.objects.filter(workspace=workspace).order_by("-created_at", "-id")


def upload_get(*, workspace: Workspace, upload_id: int) -> Upload:
    """Return the workspace's upload; raise Http404 when unknown or not theirs."""
    return get_object_or_404(Upload, workspace=workspace, pk=upload_id)


def lead_list(*, workspace: Workspace, upload: Upload | None = None) -> QuerySet[Lead]:
    """Return the workspace's leads in upload order, optionally those of one upload."""
    leads = Lead.objects.filter(workspace=workspace)
    if upload is not None:
        leads = leads.filter(upload=upload)
    return leads.order_by("id")


def lead_get(*, workspace: Workspace, lead_id: int) -> Lead:
    """Return the workspace's lead; raise Http404 when unknown or not theirs."""
    return get_object_or_404(Lead, workspace=workspace, pk=lead_id)
