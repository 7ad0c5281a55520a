"""Write operations on offers."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from leadscoring.results_cache import results_changed
from offers.models import Offer
from workspaces.erasure import delete_rows
from workspaces.models import Workspace

EDITABLE_FIELDS = (
    "name",
    "value_props",
    "ideal_use_cases",
    "icp_industries",
    "adjacent_industries",
    "high_intent_score",
    "medium_intent_score",
)


def offer_create(*, workspace: Workspace, data: dict[str, Any]) -> Offer:
    """Create and return an offer of `workspace` from validated data."""
    return Offer.objects.create(
        workspace=workspace, **{k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    )


def offer_update(*, offer: Offer, data: dict[str, Any]) -> Offer:
    """Apply validated changes to `offer` and return it."""
    changed = [k for k in EDITABLE_FIELDS if k in data]
    for field in changed:
        setattr(offer, field, data[field])
    if changed:
        offer.save(update_fields=[*changed, "updated_at"])
    return offer


@transaction.atomic
def offer_delete(*, offer: Offer) -> None:
    """Delete `offer` and everything scored against it."""
    workspace_id = offer.workspace_id
    offer.delete()
    results_changed(workspace_id=workspace_id)


def workspace_offers_erase(*, workspace: Workspace, **kwargs: Any) -> dict[str, int]:
    """Delete the workspace's offers in bulk; return the count (a receiver of
    `workspace_erasing`)."""
    return {"offers": delete_rows(Offer, "workspace_id = %s", workspace.pk)}
