"""Workspace isolation: another workspace's ids answer 404 everywhere, lists never show its rows,
and every endpoint found in the URL configuration refuses requests without a key; the web
app's pages, for a signed-in person, the same."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from leads.models import Lead, Upload
from leadscoring.api.errors import page_not_found
from offers.models import Offer
from scoring.models import ScoreResult, ScoringRun
from tests.clients import APIClient
from tests.factories import LeadFactory, OfferFactory, UploadFactory
from tests.webapp.conftest import signed_in
from workspaces.models import WorkspaceAPIKey

HEADER = "name,role,company,industry,location,linkedin_bio"
A_ROWS = [
    "Alpha Anders,VP Sales,Alphaco One,SaaS,Austin,Hiring SDRs.",
    "Alpha Berg,CTO,Alphaco Two,Fintech,Berlin,Evaluating tools.",
    "Alpha Chen,Intern,Alphaco Three,Retail,Lyon,Student.",
]
# Bravo's file repeats one of Alpha's people: duplicates are found within a workspace only.
B_ROWS = ["Bravo Diaz,Head of Growth,Bravoco,SaaS,Madrid,Scaling.", A_ROWS[0]]
OFFER = {
    "name": "AI Outreach Automation",
    "value_props": ["24/7 outreach"],
    "ideal_use_cases": ["B2B SaaS mid-market"],
}
NOT_FOUND = {
    "type": "client_error",
    "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
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
# An id no object will ever have in a test database.
UNKNOWN_ID = 987_654_321_987


@pytest.fixture(autouse=True)
def heuristic_provider(settings):
    settings.AI_PROVIDER = "heuristic"


@dataclass(frozen=True)
class Owned:
    """What one workspace created through the API, by id."""

    offer: int
    upload: int
    leads: list[int]
    run: int
    results: list[int]

    @property
    def ids(self) -> dict[str, Any]:
        return {
            "offer_id": self.offer,
            "upload_id": self.upload,
            "lead_id": self.leads[0],
            "lead_ids": self.leads,
            "run_id": self.run,
            "result_id": self.results[0] if self.results else 0,
        }


def create_through_the_api(client: APIClient, rows: list[str], *, scored: bool = True) -> Owned:
    offer = client.post("/offer/", OFFER, format="json")
    data = "\n".join([HEADER, *rows]).encode()
    file = SimpleUploadedFile("leads.csv", data, content_type="text/csv")
    upload = client.post("/leads/upload/", {"file": file}, format="multipart")
    assert (offer.status_code, upload.status_code) == (201, 201)
    assert upload.json()["created"] == len(rows)
    offer_id, upload_id = offer.json()["id"], upload.json()["id"]
    leads = [lead["id"] for lead in client.get(f"/leads/?upload_id={upload_id}").json()]
    if not scored:
        return Owned(offer_id, upload_id, leads, run=0, results=[])
    run = client.post("/score/", {"offer_id": offer_id, "upload_id": upload_id}, format="json")
    assert run.status_code == 200, run.content
    results = client.get(f"/results/?run_id={run.json()['id']}").json()
    assert len(results) == len(rows)
    return Owned(offer_id, upload_id, leads, run.json()["id"], [r["id"] for r in results])


@pytest.fixture
def alpha(api) -> Owned:
    owned = create_through_the_api(api, A_ROWS)
    # Still running as far as the API can tell: a cancel that got through would show.
    ScoringRun.objects.filter(pk=owned.run).update(status=ScoringRun.Status.RUNNING)
    return owned


@pytest.fixture
def bravo(other_api) -> Owned:
    """Bravo's own offer and upload, unscored: enough to name in Bravo's requests."""
    return create_through_the_api(other_api, B_ROWS, scored=False)


@pytest.fixture
def bravo_scored(other_api) -> Owned:
    return create_through_the_api(other_api, B_ROWS)


def snapshot() -> dict[str, list[dict]]:
    """Every row of every workspace's offers, uploads, leads, runs and results."""
    models = (Offer, Upload, Lead, ScoringRun, ScoreResult)
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


# --- another workspace's ids ------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """A request by Bravo naming one of Alpha's objects."""

    id: str
    method: str
    path: str
    body: Callable[[dict, dict], dict] | None = None  # (alpha ids, bravo ids) -> JSON body


NOT_YOURS = [
    Probe("get-offer", "get", "/offer/{offer_id}/"),
    Probe("patch-offer", "patch", "/offer/{offer_id}/", lambda a, b: {"name": "Hijacked"}),
    Probe("delete-offer", "delete", "/offer/{offer_id}/"),
    Probe("get-lead", "get", "/leads/{lead_id}/"),
    Probe("delete-lead", "delete", "/leads/{lead_id}/"),
    Probe("patch-lead-outcome", "patch", "/leads/{lead_id}/", lambda a, b: {"outcome": "won"}),
    Probe("get-upload", "get", "/leads/uploads/{upload_id}/"),
    Probe("delete-upload", "delete", "/leads/uploads/{upload_id}/"),
    Probe("get-run", "get", "/score/runs/{run_id}/"),
    # Alpha's run is running: a cancel that got through would change it.
    Probe("cancel-run", "post", "/score/runs/{run_id}/cancel/"),
    Probe("get-result", "get", "/results/{result_id}/"),
    Probe("score-their-offer", "post", "/score/", lambda a, b: {"offer_id": a["offer_id"]}),
    Probe(
        "score-their-offer-dry-run",
        "post",
        "/score/",
        lambda a, b: {"offer_id": a["offer_id"], "dry_run": True},
    ),
    Probe(
        "score-their-offer-with-own-upload",
        "post",
        "/score/",
        lambda a, b: {"offer_id": a["offer_id"], "upload_id": b["upload_id"]},
    ),
    Probe(
        "score-their-upload",
        "post",
        "/score/",
        lambda a, b: {"offer_id": b["offer_id"], "upload_id": a["upload_id"]},
    ),
    Probe("results-by-their-offer", "get", "/results/?offer_id={offer_id}"),
    Probe("results-by-their-run", "get", "/results/?run_id={run_id}"),
    Probe("results-by-their-upload", "get", "/results/?upload_id={upload_id}"),
    Probe("export-by-their-offer", "get", "/results/export/?offer_id={offer_id}"),
    Probe("export-by-their-run", "get", "/results/export/?run_id={run_id}"),
    Probe("export-by-their-upload", "get", "/results/export/?upload_id={upload_id}"),
    Probe("leads-by-their-upload", "get", "/leads/?upload_id={upload_id}"),
    Probe("evaluation-by-their-offer", "get", "/results/evaluation/?offer_id={offer_id}"),
    Probe("evaluation-by-their-run", "get", "/results/evaluation/?run_id={run_id}"),
    Probe(
        "evaluation-by-their-run-with-own-offer",
        "get",
        "/results/evaluation/?offer_id={my_offer_id}&run_id={run_id}",
    ),
    Probe(
        "evaluation-by-their-upload",
        "get",
        "/results/evaluation/?offer_id={my_offer_id}&upload_id={upload_id}",
    ),
]


def send(client: APIClient, probe: Probe, a: dict, b: dict):
    # {name}: one of Alpha's ids (or an unknown one); {my_name}: Bravo's own.
    path = probe.path.format(**a, **{f"my_{name}": value for name, value in b.items()})
    if probe.body is None:
        return getattr(client, probe.method)(path)
    return getattr(client, probe.method)(path, probe.body(a, b), format="json")


def unknown_ids() -> dict:
    ids = dict.fromkeys(["offer_id", "upload_id", "lead_id", "run_id", "result_id"], UNKNOWN_ID)
    return {**ids, "lead_ids": [UNKNOWN_ID]}


@pytest.mark.parametrize("probe", NOT_YOURS, ids=lambda p: p.id)
def test_another_workspace_ids_answer_404_like_unknown_ids_and_change_nothing(
    other_api, alpha, bravo, probe
):
    before = snapshot()

    response = send(other_api, probe, alpha.ids, bravo.ids)
    unknown = send(other_api, probe, unknown_ids(), bravo.ids)

    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json() == NOT_FOUND
    # Indistinguishable from an id that does not exist: no oracle for Alpha's ids.
    assert (unknown.status_code, unknown.json()) == (404, NOT_FOUND)
    assert snapshot() == before


@pytest.mark.parametrize("mine", [False, True], ids=["theirs-only", "with-one-of-mine"])
def test_scoring_another_workspace_lead_ids_answers_400_naming_them(other_api, alpha, bravo, mine):
    lead_ids = [*([bravo.leads[0]] if mine else []), *alpha.leads]
    before = snapshot()

    response = other_api.post(
        "/score/", {"offer_id": bravo.offer, "lead_ids": lead_ids}, format="json"
    )

    shown = ", ".join(map(str, alpha.leads))
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {"code": "not_found", "detail": f"Unknown lead id(s): {shown}.", "attr": "lead_ids"}
        ],
    }
    assert snapshot() == before


# --- lists and exports ------------------------------------------------------------------------


def test_the_industry_taxonomy_is_the_same_for_every_workspace(api, other_api, alpha):
    mine, theirs = api.get("/industries/?q=bank"), other_api.get("/industries/?q=bank")

    assert (mine.status_code, theirs.status_code) == (200, 200)
    assert mine.json() == theirs.json()


def export_rows(response) -> list[dict]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_every_list_and_export_of_a_workspace_holds_only_its_own_rows(
    other_api, alpha, bravo_scored
):
    bravo = bravo_scored
    offers = other_api.get("/offer/")
    uploads = other_api.get("/leads/uploads/")
    leads = other_api.get("/leads/")
    runs = other_api.get("/score/runs/")
    results = other_api.get("/results/")
    searched = other_api.get("/results/?q=Alpha")
    exported = export_rows(other_api.get("/results/export/"))

    assert [o["id"] for o in offers.json()] == [bravo.offer]
    assert [u["id"] for u in uploads.json()] == [bravo.upload]
    assert sorted(lead["id"] for lead in leads.json()) == sorted(bravo.leads)
    assert [r["id"] for r in runs.json()] == [bravo.run]
    assert sorted(r["id"] for r in results.json()) == sorted(bravo.results)
    # The one name both files share matches Bravo's own lead, never Alpha's.
    assert [r["lead_id"] for r in searched.json()] == [bravo.leads[1]]
    assert sorted(int(row["lead_id"]) for row in exported) == sorted(bravo.leads)
    assert {(row["offer_id"], row["run_id"]) for row in exported} == {
        (str(bravo.offer), str(bravo.run))
    }
    counts = [r["X-Total-Count"] for r in (offers, uploads, leads, runs, results)]
    assert counts == ["1", "1", "2", "1", "2"]
    evaluation = other_api.get(f"/results/evaluation/?offer_id={bravo.offer}").json()
    assert [band["leads"] for band in evaluation["bands"]] == [
        sum(r["intent"] == intent for r in results.json()) for intent in ("High", "Medium", "Low")
    ]


def test_an_outcomes_csv_reaches_only_the_workspace_own_leads(other_api, alpha, bravo):
    # Bravo's file names Alpha's leads by id, and a person both workspaces hold by name.
    ids = "\n".join(f"{lead_id},won" for lead_id in alpha.leads)
    before = snapshot()

    by_id = other_api.post(
        "/leads/outcomes/", data=f"lead_id,outcome\n{ids}\n", content_type="text/csv"
    )
    by_name = other_api.post(
        "/leads/outcomes/",
        data="name,company,outcome\nAlpha Anders,Alphaco One,won\n",
        content_type="text/csv",
    )

    assert (by_id.json()["rejected"], by_id.json()["updated"]) == (len(alpha.leads), 0)
    assert [e["message"] for e in by_id.json()["errors"]] == [
        f"No lead of this workspace has id {lead_id}." for lead_id in alpha.leads
    ]
    assert (by_name.json()["rejected"], by_name.json()["updated"]) == (0, 1)
    after = snapshot()
    changed = [
        lead["id"] for lead, old in zip(after["Lead"], before["Lead"], strict=True) if lead != old
    ]
    assert changed == [bravo.leads[1]]
    assert {k: v for k, v in after.items() if k != "Lead"} == {
        k: v for k, v in before.items() if k != "Lead"
    }


# --- every endpoint needs a key ---------------------------------------------------------------

# The only routes that answer without a key, by URL name.
PUBLIC = {"index", "health", "schema", "docs"}
METHODS = ("get", "head", "post", "put", "patch", "delete", "options")
_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def _routes(patterns: list, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        regex = pattern.pattern.regex.pattern.removeprefix("^")
        if isinstance(pattern, URLResolver):
            if getattr(pattern, "app_name", None) in ("admin", "webapp"):
                continue  # sessions, not API keys: the admin's, and the pages' (see below)
            yield from _routes(pattern.url_patterns, prefix + regex)
        elif getattr(pattern.callback, "__wrapped__", pattern.callback) is not page_not_found:
            # (the JSON 404 for unknown paths, csrf_exempt-wrapped, is not an endpoint)
            yield prefix + regex, pattern


def _path_template(regex: str) -> str:
    """'offer/(?P<offer_id>[0-9]{1,18})/?$' -> '/offer/{offer_id}/'."""
    template = _GROUP.sub(lambda m: "{" + m.group(1) + "}", regex)
    template = template.removesuffix("$").removesuffix("/?")
    assert re.fullmatch(r"[\w/{}-]*", template), f"teach this test the route {regex!r}"
    return "/" + template + "/" if template else "/"


def _methods(view: Any) -> list[str]:
    assert hasattr(view, "view_class"), f"teach this test the function view {view!r}"
    view_class = view.view_class
    allowed = [m for m in METHODS if m != "head" and hasattr(view_class, m)]
    return sorted(allowed + (["head"] if "get" in allowed else []))


ROUTES = [
    (pattern.name, _path_template(regex), pattern)
    for regex, pattern in _routes(get_resolver().url_patterns)
]
PROTECTED = [
    (method, template)
    for name, template, pattern in ROUTES
    if name not in PUBLIC
    for method in _methods(pattern.callback)
]


def test_the_route_enumeration_finds_every_known_endpoint_and_each_public_one():
    names = {name for name, _, _ in ROUTES}
    assert names >= PUBLIC
    assert {
        "offer-list",
        "offer-detail",
        "leads-upload",
        "upload-list",
        "upload-detail",
        "lead-list",
        "lead-detail",
        "score",
        "run-list",
        "run-detail",
        "run-cancel",
        "result-list",
        "result-export",
        "result-detail",
        "industry-list",
        "result-evaluation",
        "lead-outcomes",
    } <= names
    assert ("post", "/score/runs/{run_id}/cancel/") in PROTECTED
    assert ("delete", "/offer/{offer_id}/") in PROTECTED


def anonymous_request(client: APIClient, method: str, path: str, ids: dict):
    if method in ("post", "put", "patch") and path == "/leads/upload/":
        data = "\n".join([HEADER, "Zed Zu,CTO,Zedco,SaaS,Oslo,Bio."]).encode()
        return getattr(client, method)(path, data=data, content_type="text/csv")
    if method in ("post", "put", "patch") and path == "/leads/outcomes/":
        data = f"lead_id,outcome\n{ids['lead_id']},won\n".encode()
        return getattr(client, method)(path, data=data, content_type="text/csv")
    if method in ("put", "patch") and path == f"/leads/{ids['lead_id']}/":
        return getattr(client, method)(path, {"outcome": "won"}, format="json")
    if method in ("post", "put", "patch"):
        # A body that would succeed with a key, so that a missing check would show as a write.
        body = (
            {**OFFER, "offer_id": ids["offer_id"]}
            if path != "/score/"
            else {"offer_id": ids["offer_id"]}
        )
        return getattr(client, method)(path, body, format="json")
    return getattr(client, method)(path)


@pytest.fixture
def existing(api, workspace) -> dict:
    """Ids of real objects of every kind, so that a 404 cannot pass for the refusal."""
    offer = OfferFactory(workspace=workspace)
    lead = LeadFactory(upload=UploadFactory(workspace=workspace))
    run = api.post("/score/", {"offer_id": offer.id}, format="json").json()["id"]
    result = ScoreResult.objects.get(run_id=run)
    return {
        "offer_id": offer.id,
        "upload_id": lead.upload_id,
        "lead_id": lead.id,
        "run_id": run,
        "result_id": result.id,
    }


@pytest.mark.parametrize(("method", "template"), PROTECTED, ids=[f"{m} {p}" for m, p in PROTECTED])
def test_every_protected_endpoint_answers_401_without_a_key(anon, existing, method, template):
    missing = set(re.findall(r"{(\w+)}", template)) - set(existing)
    assert not missing, f"give the `existing` fixture an object for {missing}"
    path = template.format(**existing)
    before = snapshot()

    response = anonymous_request(anon, method, path, existing)

    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == "Api-Key"
    if method != "head":
        assert response.json() == NOT_AUTHENTICATED
    assert snapshot() == before


@pytest.mark.parametrize(
    "template", sorted(t for n, t, _ in ROUTES if n in PUBLIC), ids=lambda t: f"get {t}"
)
def test_public_endpoints_answer_without_a_key(anon, db, template):
    response = anon.get(template)

    assert response.status_code == 200


# --- the web app's pages ----------------------------------------------------------------------


@pytest.fixture
def bravo_page(other_workspace) -> Client:
    """Bravo's person, signed in to the web app."""
    return signed_in(other_workspace, "rob@rival.example")


@dataclass(frozen=True)
class PageProbe:
    """A page request by Bravo's person naming one of Alpha's objects."""

    id: str
    method: str
    path: str
    form: Callable[[dict, dict], dict] | None = None  # (alpha ids, bravo ids) -> form fields


PAGES_NOT_YOURS = [
    PageProbe("offer-edit", "get", "/app/offers/{offer_id}/"),
    PageProbe(
        "offer-save",
        "post",
        "/app/offers/{offer_id}/",
        lambda a, b: {"name": "Hijacked", "value_props": "x", "ideal_use_cases": "y"},
    ),
    PageProbe("upload-report", "get", "/app/uploads/{upload_id}/"),
    PageProbe("run", "get", "/app/runs/{run_id}/"),
    PageProbe("run-cancel", "post", "/app/runs/{run_id}/cancel/", lambda a, b: {}),
    PageProbe("key-revoke", "post", "/app/keys/{key_id}/revoke/", lambda a, b: {}),
    PageProbe("score-their-offer", "post", "/app/score/", lambda a, b: {"offer": a["offer_id"]}),
    PageProbe(
        "score-their-upload",
        "post",
        "/app/score/",
        lambda a, b: {"offer": b["offer_id"], "upload": a["upload_id"]},
    ),
    PageProbe("results-by-their-offer", "get", "/app/results/?offer={offer_id}"),
    PageProbe("results-by-their-upload", "get", "/app/results/?upload={upload_id}"),
    PageProbe("export-by-their-offer", "get", "/app/results/export/?offer_id={offer_id}"),
    PageProbe("export-by-their-run", "get", "/app/results/export/?run_id={run_id}"),
    PageProbe("export-by-their-upload", "get", "/app/results/export/?upload_id={upload_id}"),
]


def send_page(client: Client, probe: PageProbe, a: dict, b: dict):
    path = probe.path.format(**a)
    if probe.form is None:
        return getattr(client, probe.method)(path)
    return getattr(client, probe.method)(path, probe.form(a, b))


def without_tokens(response) -> str:
    """The page, without its CSRF tokens (masked afresh in every response)."""
    return re.sub(r"[A-Za-z0-9]{64}", "<token>", response.content.decode())


def page_ids(owned: Owned, workspace_id: int) -> dict:
    key = WorkspaceAPIKey.objects.filter(workspace_id=workspace_id).first()
    return {**owned.ids, "key_id": key.pk if key else "none.none"}


@pytest.mark.parametrize("probe", PAGES_NOT_YOURS, ids=lambda p: p.id)
def test_pages_answer_another_workspace_ids_like_unknown_ids_and_change_nothing(
    bravo_page, workspace, other_workspace, alpha, bravo, probe
):
    a, b = page_ids(alpha, workspace.pk), page_ids(bravo, other_workspace.pk)
    unknown_key = {**unknown_ids(), "key_id": "unknown.key"}
    before = snapshot()
    keys_before = list(WorkspaceAPIKey.objects.values_list("pk", "revoked"))

    response = send_page(bravo_page, probe, a, b)
    unknown = send_page(bravo_page, probe, unknown_key, b)

    assert response.status_code in (400, 404), response.content
    # Indistinguishable from an id that does not exist: no oracle for Alpha's ids.
    assert (response.status_code, without_tokens(response)) == (
        unknown.status_code,
        without_tokens(unknown),
    )
    assert "Alpha" not in response.content.decode()
    assert snapshot() == before
    assert list(WorkspaceAPIKey.objects.values_list("pk", "revoked")) == keys_before


PAGE_LISTS = [
    "/app/",
    "/app/offers/",
    "/app/upload/",
    "/app/score/",
    "/app/results/",
    "/app/results/?q=Alpha",
    "/app/keys/",
    "/app/industries/?q=a",
]


@pytest.mark.parametrize("path", PAGE_LISTS)
def test_every_page_of_a_workspace_shows_only_its_own_rows(bravo_page, alpha, bravo_scored, path):
    response = bravo_page.get(path)

    body = response.content.decode()
    assert response.status_code == 200
    # Alpha's names (and Alpha's file name) never show; the one person both files share
    # is Bravo's own lead.
    assert "Alphaco Two" not in body
    assert "Alphaco Three" not in body
    assert "Alpha Berg" not in body
    assert "Alpha Chen" not in body
    assert "alpha.csv" not in body


def test_the_pages_show_bravo_exactly_what_bravo_keys_see(bravo_page, other_api, bravo_scored):
    page = bravo_page.get("/app/results/").content.decode()
    exported = export_rows(bravo_page.get("/app/results/export/"))
    api_exported = export_rows(other_api.get("/results/export/"))

    assert [row["lead_id"] for row in exported] == [row["lead_id"] for row in api_exported]
    for row in api_exported:
        assert row["name"].replace("'", "&#x27;") in page


def _page_routes() -> list[tuple[str, str]]:
    resolver = next(
        p for p in get_resolver().url_patterns if getattr(p, "app_name", None) == "webapp"
    )
    return [(p.name, "/app/" + str(p.pattern)) for p in resolver.url_patterns]


PAGE_ROUTES = _page_routes()
# Pages anyone may open: signing in, and the page after changing a password (harmless).
PUBLIC_PAGES = {"login", "logout"}


def test_the_page_enumeration_finds_every_page():
    assert {name for name, _ in PAGE_ROUTES} >= {
        "home",
        "offers",
        "offer_edit",
        "upload_new",
        "upload",
        "score",
        "run",
        "run_cancel",
        "results",
        "export",
        "keys",
        "key_revoke",
        "password_change",
    }


@pytest.mark.parametrize(
    ("name", "route"),
    [(n, r) for n, r in PAGE_ROUTES if n not in PUBLIC_PAGES],
    ids=[n for n, _ in PAGE_ROUTES if n not in PUBLIC_PAGES],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_page_refuses_visitors_who_are_not_signed_in(client, existing, name, route, method):
    ids = {**existing, "key_id": WorkspaceAPIKey.objects.first().pk}
    path = re.sub(r"<\w+:(\w+)>", lambda m: str(ids[m.group(1)]), route)
    before = snapshot()
    keys_before = list(WorkspaceAPIKey.objects.values_list("pk", "revoked"))

    response = getattr(client, method)(
        path, {"offer": ids["offer_id"], "name": "x", "value_props": "x", "ideal_use_cases": "y"}
    )

    if name == "export":
        assert response.status_code == 403  # the API view's refusal, as JSON
    else:
        assert response.status_code == 302, response.content
        assert response["Location"].startswith("/app/login/?next=")
    assert snapshot() == before
    assert list(WorkspaceAPIKey.objects.values_list("pk", "revoked")) == keys_before
