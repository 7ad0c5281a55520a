"""Read operations on offers, always within one workspace."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from offers.models import Offer
from workspaces.models import Workspace


def offer_list(*, workspace: Workspace) -> QuerySet[Offer]:
    """Return the workspace's offers, newest first."""
    return Offer.objects.filter(workspace=workspace).order_by("-created_at", "-id")


def offer_get(*, workspace: Workspace, offer_id: int) -> Offer:
    """Return the workspace's offer `offer_id`; raise Http404 when unknown or not theirs."""
    return get_object_or_404(Offer, workspace=workspace, pk=offer_id)


def offer_latest(*, workspace: Workspace) -> Offer | None:
    """Return the workspace's most recently created offer, or None when it has none."""
    return offer_list(workspace=workspace).first()
