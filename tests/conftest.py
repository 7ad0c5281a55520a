"""Shared fixtures: workspaces, API clients authenticated with real keys."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.clients import APIClient
from tests.factories import WorkspaceFactory
from workspaces.models import Workspace
from workspaces.services import api_key_create


def _client_for(workspace: Workspace) -> APIClient:
    _, key = api_key_create(workspace_name=workspace.name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: cached counts must not leak between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def workspace(db) -> Workspace:
    return WorkspaceFactory(name="acme-sales")


@pytest.fixture
def other_workspace(db) -> Workspace:
    return WorkspaceFactory(name="rival-sales")


@pytest.fixture
def api(workspace) -> APIClient:
    """A client holding a key of `workspace`."""
    return _client_for(workspace)


@pytest.fixture
def other_api(other_workspace) -> APIClient:
    """A client holding a key of another workspace."""
    return _client_for(other_workspace)


@pytest.fixture
def anon() -> APIClient:
    """A client without any key."""
    return APIClient()
