"""API-key authentication, the anonymous workspace and `manage.py create_api_key`."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from leads.models import Lead, Upload
from offers.models import Offer
from tests.clients import APIClient
from tests.factories import LeadFactory, OfferFactory, UploadFactory
from workspaces.models import Workspace, WorkspaceAPIKey
from workspaces.services import api_key_create

CSV = b"name,role,company,industry,location,linkedin_bio\nAva Patel,CTO,Acme,SaaS,Austin,Bio\n"
SPEC_OFFER = {
    "name": "AI Outreach Automation",
    "value_props": ["24/7 outreach"],
    "ideal_use_cases": ["B2B SaaS mid-market"],
}

NOT_AUTHENTICATED = {
    "type": "client_error",
    "errors": [
        {
            "code": "not_authenticated",
            "detail": "Authentication credentials were not provided.",
            "attr": None,
        }
    ],
}


def failed(detail: str) -> dict:
    return {
        "type": "client_error",
        "errors": [{"code": "authentication_failed", "detail": detail, "attr": None}],
    }


MALFORMED = failed("Malformed Authorization header: expected 'Api-Key <key>'.")
INVALID = failed("Invalid or revoked API key.")


def client_with(authorization: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=authorization)
    return client


def send(client: APIClient, method: str, path: str):
    if method == "post" and path.startswith("/leads/upload"):
        return client.post(path, data=CSV, content_type="text/csv")
    if method == "post":
        return client.post(path, SPEC_OFFER, format="json")
    if method == "patch":
        return client.patch(path, {"name": "x"}, format="json")
    return getattr(client, method)(path)


@pytest.fixture
def existing_ids(workspace) -> dict:
    """Ids of real objects, so that a 401 cannot be a 404 in disguise."""
    offer = OfferFactory(workspace=workspace)
    upload = UploadFactory(workspace=workspace)
    lead = LeadFactory(upload=upload)
    return {"offer": offer.id, "upload": upload.id, "lead": lead.id}


PROTECTED = [
    ("get", "/offer/"),
    ("post", "/offer/"),
    ("get", "/offer/{offer}/"),
    ("patch", "/offer/{offer}/"),
    ("delete", "/offer/{offer}/"),
    ("post", "/leads/upload/"),
    ("post", "/leads/upload"),
    ("get", "/leads/uploads/"),
    ("get", "/leads/uploads/{upload}/"),
    ("delete", "/leads/uploads/{upload}/"),
    ("get", "/leads/"),
    ("get", "/leads/?upload_id={upload}"),
    ("get", "/leads/{lead}/"),
    ("delete", "/leads/{lead}/"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_protected_endpoint_answers_401_without_a_key(anon, existing_ids, method, path):
    response = send(anon, method, path.format(**existing_ids))

    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_protected_endpoint_changes_nothing_for_a_bad_key(existing_ids, method, path):
    response = send(client_with("Api-Key nope.nope"), method, path.format(**existing_ids))

    assert response.status_code == 401
    assert response.json() == INVALID
    assert (Offer.objects.count(), Upload.objects.count(), Lead.objects.count()) == (1, 1, 1)


@pytest.mark.parametrize(
    "authorization",
    ["Bearer x", "Api-Key", "Api-Key ", "Token abc.def", "ApiKey abc.def", "Basic Zm9vOmJhcg=="],
)
def test_a_malformed_authorization_header_answers_401(db, authorization):
    response = client_with(authorization).get("/leads/")

    assert response.status_code == 401
    assert response.json() == MALFORMED


def test_a_valid_key_in_a_bearer_header_is_still_refused(workspace):
    _, key = api_key_create(workspace_name=workspace.name)

    response = client_with(f"Bearer {key}").get("/leads/")

    assert response.status_code == 401
    assert response.json() == MALFORMED


@pytest.mark.parametrize("key", ["unknown", "abcd1234.notthesecret", "x" * 500])
def test_an_unknown_key_answers_401(db, key):
    response = client_with(f"Api-Key {key}").get("/leads/")

    assert response.status_code == 401
    assert response.json() == INVALID


def test_a_key_with_the_right_prefix_but_a_wrong_secret_answers_401(workspace):
    _, key = api_key_create(workspace_name=workspace.name)
    prefix = key.split(".")[0]

    response = client_with(f"Api-Key {prefix}.{'0' * 32}").get("/leads/")

    assert response.status_code == 401
    assert response.json() == INVALID


def test_a_revoked_key_answers_401(workspace):
    api_key, key = api_key_create(workspace_name=workspace.name)
    assert client_with(f"Api-Key {key}").get("/leads/").status_code == 200

    api_key.revoked = True
    api_key.save()

    response = client_with(f"Api-Key {key}").get("/leads/")
    assert response.status_code == 401
    assert response.json() == INVALID


def test_an_expired_key_answers_401(workspace):
    api_key, key = api_key_create(workspace_name=workspace.name)
    api_key.expiry_date = timezone.now() - timedelta(minutes=1)
    api_key.save()

    response = client_with(f"Api-Key {key}").get("/leads/")

    assert response.status_code == 401
    assert response.json() == failed("This API key has expired.")


@pytest.mark.parametrize("template", ["Api-Key {key}", "api-key {key}", "Api-Key   {key}  "])
def test_a_valid_key_acts_in_its_workspace(workspace, other_workspace, template):
    _, key = api_key_create(workspace_name=workspace.name)
    UploadFactory(workspace=other_workspace)

    client = client_with(template.format(key=key))
    created = client.post("/leads/upload/", data=CSV, content_type="text/csv")
    listed = client.get("/leads/uploads/")

    assert created.status_code == 201
    assert Upload.objects.get(pk=created.json()["id"]).workspace == workspace
    assert [u["id"] for u in listed.json()] == [created.json()["id"]]


# --- the anonymous workspace ------------------------------------------------------------------


def test_without_an_anonymous_workspace_keyless_requests_create_nothing(anon, settings, db):
    settings.ANONYMOUS_WORKSPACE = ""

    assert anon.get("/leads/").status_code == 401
    assert not Workspace.objects.exists()


def test_the_anonymous_workspace_serves_keyless_requests(anon, api, workspace, settings):
    settings.ANONYMOUS_WORKSPACE = "local"
    assert not Workspace.objects.filter(name="local").exists()

    keyless = anon.post("/leads/upload/", data=CSV, content_type="text/csv")
    keyed = api.post("/leads/upload/", data=CSV, content_type="text/csv")

    assert keyless.status_code == 201
    assert keyed.status_code == 201
    local = Workspace.objects.get(name="local")
    assert Upload.objects.get(pk=keyless.json()["id"]).workspace == local
    assert Upload.objects.get(pk=keyed.json()["id"]).workspace == workspace
    # Each import is new to its own workspace: the same person is created in both.
    assert keyless.json()["created"] == keyed.json()["created"] == 1
    assert [u["id"] for u in anon.get("/leads/uploads/").json()] == [keyless.json()["id"]]
    assert [u["id"] for u in api.get("/leads/uploads/").json()] == [keyed.json()["id"]]
    assert anon.get(f"/leads/uploads/{keyed.json()['id']}/").status_code == 404
    assert anon.post("/offer/", SPEC_OFFER, format="json").status_code == 201
    assert Workspace.objects.filter(name="local").count() == 1


def test_the_anonymous_workspace_does_not_excuse_a_bad_key(settings, db):
    settings.ANONYMOUS_WORKSPACE = "local"

    bad = client_with("Api-Key nope.nope").get("/leads/")
    malformed = client_with("Bearer x").get("/leads/")

    assert bad.status_code == 401
    assert bad.json() == INVALID
    assert malformed.status_code == 401
    assert malformed.json() == MALFORMED


# --- manage.py create_api_key -----------------------------------------------------------------


def create_api_key(*args: str) -> str:
    out = io.StringIO()
    call_command("create_api_key", *args, stdout=out)
    return out.getvalue()


def test_create_api_key_creates_the_workspace_and_prints_a_working_key_last(db):
    output = create_api_key("new-team")

    lines = output.strip().splitlines()
    key = lines[-1]
    workspace = Workspace.objects.get(name="new-team")
    api_key = WorkspaceAPIKey.objects.get()
    assert api_key.workspace == workspace
    assert api_key.name == "new-team key"
    assert len(lines) >= 2
    assert key.startswith(f"{api_key.prefix}.")
    assert "Api-Key <key>" in lines[0]
    client = client_with(f"Api-Key {key}")
    created = client.post("/leads/upload/", data=CSV, content_type="text/csv")
    assert created.status_code == 201
    assert Upload.objects.get().workspace == workspace


def test_create_api_key_reuses_an_existing_workspace_and_labels_the_key(workspace):
    first = create_api_key(workspace.name).strip().splitlines()[-1]
    second = create_api_key(f"  {workspace.name}  ", "--name", "CRM sync").strip().splitlines()[-1]

    assert first != second
    assert Workspace.objects.count() == 1
    assert sorted(WorkspaceAPIKey.objects.values_list("name", flat=True)) == [
        "CRM sync",
        "acme-sales key",
    ]
    for key in (first, second):
        assert client_with(f"Api-Key {key}").get("/leads/").status_code == 200


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_create_api_key_refuses_a_blank_or_overlong_workspace_name(db, name):
    with pytest.raises(CommandError) as caught:
        create_api_key(name)

    assert str(caught.value) == "The workspace name must be 1-100 characters."
    assert not Workspace.objects.exists()
    assert not WorkspaceAPIKey.objects.exists()


def test_keys_are_stored_hashed(db):
    key = create_api_key("hashed-team").strip().splitlines()[-1]
    secret = key.split(".", 1)[1]

    api_key = WorkspaceAPIKey.objects.get()
    stored = [str(getattr(api_key, field.attname)) for field in WorkspaceAPIKey._meta.fields]
    assert all(key not in value and secret not in value for value in stored)
    assert api_key.hashed_key
    assert WorkspaceAPIKey.objects.get_from_key(key) == api_key
