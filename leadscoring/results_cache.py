"""The version of a workspace's cached result counts: whatever changes results bumps it.

Below every app: leads, offers and workspaces erase results (with their leads, offers or
workspace) and say so here without importing scoring, which reads the version.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction


def results_version_key(workspace_id: int) -> str:
    """Return the cache key whose value changes whenever the workspace's results change."""
    return f"results:version:{workspace_id}"


def results_version(workspace_id: int) -> str:
    """Return the current version of the workspace's results (a new one after each change)."""
    key = results_version_key(workspace_id)
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(key, version, None)
        version = cache.get(key, version)
    return version


def results_changed(*, workspace_id: int) -> None:
    """Note that the workspace's results changed: cached counts of them are now stale.

    Inside a transaction, noted again once it commits: a count read meanwhile, from before
    the change, must not outlive it.
    """
    key = results_version_key(workspace_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))
