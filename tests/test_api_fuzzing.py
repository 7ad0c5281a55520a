"""API fuzzing: schemathesis against the app's own OpenAPI schema, in process.

Every operation of /api/schema/ is called with generated data that fits its schema (it must be
served as documented) and data that does not (it must be refused); then the API is walked as a
state machine along the links schemathesis infers (create, read, change, delete, read again).
Each response must pass the six checks of CHECKS. Requests carry a real API key of a workspace
seeded with an offer, an upload of leads and a finished run with results; about half of the
valid cases aim at those ids rather than random ones, so successes are checked, not only 404s.

Deterministic (fixed seed, derandomized, no example database) and bounded in size.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, reject, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.generation.stateful import run_state_machine_as_test
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from tests.clients import APIClient
from workspaces.services import api_key_create

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
    use_after_free,
]
MAX_EXAMPLES = 25  # per operation in the fuzzing phase; examples and coverage phases add theirs
WORKFLOWS = 15
WORKFLOW_STEPS = 12
# The operations whose JSON body refuses unknown fields. The others ignore unknown query
# parameters, as HTTP APIs do (cache busters, tracking tags): an extra one is not invalid there.
STRICT_BODIES = ["offer_create", "offer_update", "score"]
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261127,
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            # The test sends the key; a generated Authorization header would replace it.
            "with-security-parameters": False,
        },
        # Invalid data is the stateless test's job; workflows follow links with valid data.
        "phases": {"stateful": {"max-steps": WORKFLOW_STEPS, "generation": {"mode": "positive"}}},
        "operations": [
            {
                "exclude-operation-id": STRICT_BODIES,
                "generation": {"allow-extra-parameters": False},
            }
        ],
    }
)
# A raw CSV body may be labelled application/csv too; it goes on the wire as text/csv does.
schemathesis.serializer.alias("application/csv", "text/csv")

# Django answers 400 to a Host it does not allow; schemathesis calls the app as "localhost".
HOST = "localhost"
with override_settings(ALLOWED_HOSTS=[HOST]):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)

SEED_CSV = (
    "name,role,company,industry,location,linkedin_bio\n"
    'Ava Patel,VP Sales,FlowMetrics,SaaS,"Austin, TX",Scaling outbound; hiring SDRs.\n'
    "Ben Ortiz,Marketing Manager,Brightline,Computer Software,Dublin,Runs campaigns.\n"
    "Cara Lim,Student,State University,Education,Boston,I am a student.\n"
)
# The ids the URL patterns route (see the apps' urls.py).
ROUTED_ID = re.compile(r"^[0-9]{1,18}$")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class Seeded:
    """A workspace's key, and the ids of what it holds by the names the API gives them."""

    headers: dict[str, str]
    ids: dict[str, int]
    lead_ids: list[int]


@pytest.fixture
def seeded(settings, monkeypatch) -> Iterator[Seeded]:
    settings.ALLOWED_HOSTS = [HOST, "testserver"]
    settings.THROTTLE_RATES = {"api": "", "upload": "", "score": ""}
    settings.AI_PROVIDER = "heuristic"
    settings.CELERY_BROKER_URL = ""  # runs score in the request
    settings.CALLBACK_ALLOW_PRIVATE = False

    # Generated callback URLs must not reach the network: their hosts do not resolve, so each
    # is refused (400) before any run starts. Loopback still resolves (a local Redis cache).
    resolve = socket.getaddrinfo

    def resolve_loopback_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host in LOOPBACK_HOSTS:
            return resolve(host, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "no DNS in the fuzzing tests")

    monkeypatch.setattr(socket, "getaddrinfo", resolve_loopback_only)

    _, key = api_key_create(workspace_name="fuzzing")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    offer = client.post(
        "/offer/",
        {"name": "AI Outreach", "value_props": ["more meetings"], "ideal_use_cases": ["B2B SaaS"]},
        format="json",
    )
    upload = client.post("/leads/upload/?filename=leads.csv", SEED_CSV, content_type="text/csv")
    run = client.post("/score/", {"offer_id": offer.json()["id"]}, format="json")
    assert (offer.status_code, upload.status_code, run.status_code) == (201, 201, 200)
    leads = client.get("/leads/").json()
    results = client.get("/results/").json()

    # Schemathesis calls the WSGI handler, whose request signals would close the connection
    # that holds the test's transaction; Django's test client detaches them the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield Seeded(
        headers={"Authorization": f"Api-Key {key}"},
        ids={
            "offer_id": offer.json()["id"],
            "upload_id": upload.json()["id"],
            "run_id": run.json()["id"],
            "lead_id": leads[0]["id"],
            "result_id": results[0]["id"],
        },
        lead_ids=[lead["id"] for lead in leads],
    )
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
# Seeded once per operation: that operation's cases share it (and may delete it).
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_operation_conforms_to_its_schema(case: schemathesis.Case, seeded: Seeded) -> None:
    _aim_at_seeded_ids(case, seeded)
    case.call_and_validate(headers=seeded.headers, checks=CHECKS)


@pytest.mark.django_db
def test_workflows_conform_to_the_schema(seeded: Seeded) -> None:
    class Workflow(schema.as_state_machine()):
        # Each workflow starts from the seeded state: what one wrote (an offer deleted, an
        # outcome recorded) must not change what the next one, or Hypothesis' replay of it,
        # is answered; a replay answered differently is a "flaky strategy" to Hypothesis.
        def setup(self) -> None:
            cache.clear()
            self.savepoint = transaction.savepoint()

        def teardown(self) -> None:
            transaction.savepoint_rollback(self.savepoint)
            super().teardown()

        def before_call(self, case: schemathesis.Case) -> None:
            # Workflows follow links between real objects; requests to paths no route
            # matches are the stateless test's business (and answer a plain JSON 404).
            if _unrouted_unsafe_method(case) or _export_options_in_csv(case):
                reject()

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": seeded.headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
            case.validate_response(
                response,
                checks=CHECKS,
                headers=kwargs.get("headers"),
                transport_kwargs=kwargs or None,
                recorder=self.recorder,  # what use_after_free reads earlier steps from
            )

    run_state_machine_as_test(
        Workflow,
        settings=settings(
            max_examples=WORKFLOWS,
            stateful_step_count=WORKFLOW_STEPS,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def _unrouted_unsafe_method(case: schemathesis.Case) -> bool:
    return case.method.upper() in UNSAFE_METHODS and any(
        not ROUTED_ID.match(str(value)) for value in (case.path_parameters or {}).values()
    )


def _export_options_in_csv(case: schemathesis.Case) -> bool:
    return (
        case.method.upper() == "OPTIONS"
        and case.path == "/results/export/"
        and (case.query or {}).get("format") == "csv"
    )


def _aim_at_seeded_ids(case: schemathesis.Case, seeded: Seeded) -> None:
    """Point the odd ids of valid cases (the schema examples' 1 among them) at the seeded
    objects; the even ones stay unknown ids."""
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return  # invalid data stays as generated: it must be refused
    for container in (case.path_parameters, case.query, case.body):
        if not isinstance(container, dict):
            continue
        for name, value in container.items():
            if name in seeded.ids and _is_odd(value):
                container[name] = type(value)(seeded.ids[name])
        if isinstance(container.get("lead_ids"), list) and _is_odd(len(container["lead_ids"])):
            container["lead_ids"] = seeded.lead_ids


def _is_odd(value: object) -> bool:
    return isinstance(value, int | str) and str(value).isdigit() and int(value) % 2 == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), [("delete", "/offer/abc/"), ("post", "/nowhere/")])
def test_unrouted_unsafe_method_answers_404(api, method, path):
    api.handler.enforce_csrf_checks = True  # as for any real client

    response = getattr(api, method)(path)

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.django_db
def test_export_options_in_csv_answers_200(api):
    api.raise_request_exception = False

    response = api.options("/results/export/?format=csv")

    assert response.status_code == 200


@pytest.mark.django_db
def test_offer_refuses_numbers_for_text(api):
    response = api.post(
        "/offer/",
        {"name": 5, "value_props": [1.5], "ideal_use_cases": ["B2B SaaS"]},
        format="json",
    )

    assert response.status_code == 400
    assert {error["attr"] for error in response.json()["errors"]} == {"name", "value_props.0"}
