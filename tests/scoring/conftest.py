"""Fixtures of the scoring tests."""

from __future__ import annotations

import pytest

from scoring.classifiers import openai as openai_classifier
from tests.factories import OfferFactory, UploadFactory


@pytest.fixture(autouse=True)
def _forget_verified_endpoints():
    """Each test meets its loopback server as a stranger: nothing verified in an earlier test."""
    openai_classifier._VERIFIED_ENDPOINTS.clear()
    yield
    openai_classifier._VERIFIED_ENDPOINTS.clear()


@pytest.fixture
def offer(workspace):
    return OfferFactory(workspace=workspace)


@pytest.fixture
def upload(workspace):
    return UploadFactory(workspace=workspace)
