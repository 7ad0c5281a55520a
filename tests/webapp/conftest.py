"""Fixtures of the web app's tests: people signed in to a workspace, through the real form."""

from __future__ import annotations

import pytest
from django.test import Client

from workspaces.models import Workspace
from workspaces.services import user_create

PASSWORD = "a long passphrase for tests"


def signed_in(workspace: Workspace, email: str) -> Client:
    user_create(workspace_name=workspace.name, email=email, password=PASSWORD)
    client = Client()
    response = client.post("/app/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


@pytest.fixture(autouse=True)
def heuristic_provider(settings):
    settings.AI_PROVIDER = "heuristic"


@pytest.fixture
def page(workspace) -> Client:
    """A browser-like client signed in as a member of `workspace`."""
    return signed_in(workspace, "ava@acme.example")


@pytest.fixture
def other_page(other_workspace) -> Client:
    """A client signed in as a member of another workspace."""
    return signed_in(other_workspace, "rob@rival.example")
