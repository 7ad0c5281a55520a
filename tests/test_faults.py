"""Failures of what the service depends on answer 503 in the one error shape, never 500."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper


@pytest.fixture
def database_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    # Undone when this fixture ends, before the test database is rolled back.
    with monkeypatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", refuse)
        patch.setattr(CursorWrapper, "executemany", refuse)
        yield


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/offer/"),
        ("post", "/offer/"),
        ("get", "/leads/"),
        ("get", "/results/"),
        ("get", "/score/runs/"),
    ],
)
def test_a_database_outage_answers_503_json_without_a_traceback(api, database_down, method, path):
    api.raise_request_exception = False

    response = getattr(api, method)(path, {}, format="json")

    assert response.status_code == 503
    assert response.json() == {
        "type": "server_error",
        "errors": [
            {
                "code": "service_unavailable",
                "detail": "The database is unavailable; try again shortly.",
                "attr": None,
            }
        ],
    }
    assert "Traceback" not in response.content.decode()


def test_health_reports_the_outage(anon, db, database_down):
    response = anon.get("/healthz/")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
