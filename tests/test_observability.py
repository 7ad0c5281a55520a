"""Request ids, structured logs, and what logs must never contain (bios, keys, prompts)."""

from __future__ import annotations

import json
import logging

from django.core.files.uploadedfile import SimpleUploadedFile

from leadscoring.api.logging import JsonFormatter

SECRET_BIO = "ZEBRA-7731 private bio text that must never reach a log"


def test_every_response_carries_a_request_id(api, anon, db):
    ids = {api.get("/offer/")["X-Request-ID"], anon.get("/nope/")["X-Request-ID"]}

    assert len(ids) == 2
    assert all(len(rid) == 32 for rid in ids)


def test_a_sane_caller_request_id_is_kept_and_a_hostile_one_replaced(api):
    kept = api.get("/offer/", HTTP_X_REQUEST_ID="crm-sync.4711-abc")
    replaced = api.get("/offer/", HTTP_X_REQUEST_ID="x\r\nSet-Cookie: a=b")

    assert kept["X-Request-ID"] == "crm-sync.4711-abc"
    assert replaced["X-Request-ID"] != "x\r\nSet-Cookie: a=b"
    assert len(replaced["X-Request-ID"]) == 32


def test_logs_never_hold_bios_keys_or_query_strings(api, caplog, settings):
    settings.AI_PROVIDER = "heuristic"
    caplog.set_level(logging.DEBUG)
    csv = (
        "name,role,company,industry,location,linkedin_bio\n"
        f'Ava Patel,CEO,Acme,SaaS,Austin,"{SECRET_BIO}"\n'
    ).encode()
    api.post("/leads/upload/", {"file": SimpleUploadedFile("l.csv", csv)}, format="multipart")
    offer = api.post(
        "/offer/", {"name": "O", "value_props": ["v"], "ideal_use_cases": ["SaaS"]}, format="json"
    ).json()
    api.post("/score/", {"offer_id": offer["id"]}, format="json")
    api.get("/results/", {"q": "Ava Patel"})
    api.get("/results/export/")

    logged = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert "ZEBRA-7731" not in logged
    assert "Ava Patel" not in logged
    assert "Api-Key" not in logged
    access = [r for r in caplog.records if r.name == "leadscoring.access"]
    assert {r.path for r in access} >= {"/leads/upload/", "/score/", "/results/"}


def test_log_lines_are_json_with_the_request_id(api, caplog):
    caplog.set_level(logging.INFO, logger="leadscoring.access")

    response = api.get("/offer/")

    line = json.loads(JsonFormatter().format(caplog.records[-1]))
    assert line["request_id"] == response["X-Request-ID"]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/offer/", 200)
    assert isinstance(line["workspace_id"], int)
