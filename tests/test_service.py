"""Service endpoints (index, health, schema, docs, unknown paths) and the settings helpers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError

from leadscoring.api import views
from leadscoring.settings import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[1]


def test_index_lists_the_api_and_points_at_the_docs(anon):
    response = anon.get("/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"service", "docs", "schema", "auth", "endpoints"}
    assert body["service"] == "leadscoring"
    assert body["docs"] == "http://testserver/api/docs/"
    assert body["schema"] == "http://testserver/api/schema/"
    assert body["auth"] == "Authorization: Api-Key <key>"
    assert {
        "create_offer": "POST /offer/",
        "upload_leads": "POST /leads/upload/",
        "uploads": "GET /leads/uploads/",
        "leads": "GET /leads/",
        "health": "GET /healthz/",
    }.items() <= body["endpoints"].items()


@pytest.mark.parametrize("path", ["/healthz/", "/healthz"])
def test_health_answers_200_when_the_database_answers(anon, db, path):
    response = anon.get(path)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


class _BrokenCursor:
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def execute(self, sql, params=None):
        raise OperationalError("could not connect to server: Connection refused")


class _CursorFails:
    def cursor(self):
        raise OperationalError("could not connect to server: Connection refused")


class _QueryFails:
    def cursor(self):
        return _BrokenCursor()


@pytest.mark.parametrize("connection", [_CursorFails(), _QueryFails()], ids=["connect", "query"])
def test_health_answers_503_when_the_database_does_not(anon, monkeypatch, connection):
    monkeypatch.setattr(views, "connection", connection)

    response = anon.get("/healthz/")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/nope/"),
        ("post", "/offers/"),
        ("get", "/leads/upload/extra/"),
        ("get", "/leads/1234567890123456789/"),
        ("delete", "/leads/uploads/abc/"),
    ],
)
def test_unknown_paths_answer_a_json_404_in_the_one_error_shape(anon, db, method, path):
    response = getattr(anon, method)(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "not_found",
                "detail": f"No endpoint at {path!r}; see GET / for the index.",
                "attr": None,
            }
        ],
    }


def test_a_wrong_method_answers_405_in_the_one_error_shape(api):
    response = api.delete("/leads/")

    assert response.status_code == 405
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {"code": "method_not_allowed", "detail": 'Method "DELETE" not allowed.', "attr": None}
        ],
    }


def test_schema_is_openapi_3_with_every_spec_path(anon, db):
    response = anon.get("/api/schema/?format=json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {
        "/offer/",
        "/leads/upload/",
        "/leads/uploads/",
        "/leads/uploads/{upload_id}/",
        "/leads/",
        "/leads/{lead_id}/",
        "/healthz/",
    } <= set(schema["paths"])
    assert not [path for path in schema["paths"] if path.endswith("?")]
    assert schema["components"]["securitySchemes"]["ApiKey"]["name"] == "Authorization"
    upload = schema["paths"]["/leads/upload/"]["post"]
    assert {"multipart/form-data", "text/csv"} <= set(upload["requestBody"]["content"])
    assert {"201", "400", "401", "413"} <= set(upload["responses"])


def test_schema_is_served_as_yaml_by_default(anon, db):
    response = anon.get("/api/schema/")

    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")


def test_docs_are_an_html_page(anon, db):
    response = anon.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"swagger" in response.content.lower()


# --- settings helpers -------------------------------------------------------------------------

VAR = "LEADSCORING_TEST_SETTING"


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        ("1", False, True),
        ("true", False, True),
        (" TRUE ", False, True),
        ("Yes", False, True),
        ("on", False, True),
        ("0", True, False),
        ("false", True, False),
        ("No", True, False),
        ("off", True, False),
        ("", True, True),
        ("   ", False, False),
        (None, True, True),
    ],
)
def test_env_bool_reads_true_and_false_words(monkeypatch, value, default, expected):
    if value is None:
        monkeypatch.delenv(VAR, raising=False)
    else:
        monkeypatch.setenv(VAR, value)

    assert env_bool(VAR, default) is expected


@pytest.mark.parametrize("value", ["maybe", "2", "tru", "yes please", "-1"])
def test_env_bool_raises_on_anything_else(monkeypatch, value):
    monkeypatch.setenv(VAR, value)

    with pytest.raises(ImproperlyConfigured) as caught:
        env_bool(VAR)

    assert str(caught.value) == f"{VAR} must be true or false, not {value.lower()!r}."


@pytest.mark.parametrize(
    ("value", "minimum", "expected"),
    [("50", 1, 50), (" 7 ", 0, 7), ("0", 0, 0), ("", 1, 10), (None, 1, 10)],
)
def test_env_int_reads_integers(monkeypatch, value, minimum, expected):
    if value is None:
        monkeypatch.delenv(VAR, raising=False)
    else:
        monkeypatch.setenv(VAR, value)

    assert env_int(VAR, 10, minimum=minimum) == expected


@pytest.mark.parametrize(
    ("value", "minimum", "message"),
    [
        ("abc", 0, f"{VAR} must be an integer, not 'abc'."),
        ("1.5", 0, f"{VAR} must be an integer, not '1.5'."),
        ("50MB", 1, f"{VAR} must be an integer, not '50MB'."),
        ("-1", 0, f"{VAR} must be at least 0, not -1."),
        ("0", 1, f"{VAR} must be at least 1, not 0."),
    ],
)
def test_env_int_raises_on_non_integers_and_values_below_the_minimum(
    monkeypatch, value, minimum, message
):
    monkeypatch.setenv(VAR, value)

    with pytest.raises(ImproperlyConfigured) as caught:
        env_int(VAR, 10, minimum=minimum)

    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        ("a.example.com, b.example.com", "", ["a.example.com", "b.example.com"]),
        (" a ,, ,b, ", "", ["a", "b"]),
        ("", "localhost,127.0.0.1", ["localhost", "127.0.0.1"]),
        (None, "", []),
        (" , ", "", []),
    ],
)
def test_env_list_splits_on_commas_and_drops_blank_items(monkeypatch, value, default, expected):
    if value is None:
        monkeypatch.delenv(VAR, raising=False)
    else:
        monkeypatch.setenv(VAR, value)

    assert env_list(VAR, default) == expected


def test_env_str_strips_and_falls_back_to_the_default(monkeypatch):
    monkeypatch.setenv(VAR, "  value  ")
    assert env_str(VAR, "default") == "value"
    monkeypatch.setenv(VAR, "   ")
    assert env_str(VAR, "default") == "default"


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG must be true or false, not 'maybe'."),
        ({"LEADSCORING_MAX_UPLOAD_MB": "0"}, "LEADSCORING_MAX_UPLOAD_MB must be at least 1"),
        ({"LEADSCORING_MAX_UPLOAD_ROWS": "lots"}, "LEADSCORING_MAX_UPLOAD_ROWS must be an integer"),
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off"),
    ],
)
def test_bad_environment_stops_the_settings_from_loading(environment, message):
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_DEBUG": "false",
        **environment,
    }

    result = subprocess.run(
        [sys.executable, "-c", "import leadscoring.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
