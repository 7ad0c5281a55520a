"""The Postman collection of the API, generated from its OpenAPI schema.

    python -m leadscoring.api.postman           # writes docs/leadscoring.postman_collection.json
    python -m leadscoring.api.postman --check   # exits 1 when that file is not up to date

Every operation becomes a request (one per request example), under a folder per tag, with the
schema's response examples as saved responses. `{{base_url}}` and `{{api_key}}` are collection
variables; the key is sent as `Authorization: Api-Key {{api_key}}`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from http import HTTPStatus
from pathlib import Path
from typing import Any

COLLECTION_PATH = (
    Path(__file__).resolve().parents[2] / "docs" / "leadscoring.postman_collection.json"
)
SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
BASE_URL = "http://127.0.0.1:8000"
# The file the README uploads; Postman asks for it relative to its working directory.
SAMPLE_CSV = "samples/leads.csv"
METHODS = ("get", "post", "put", "patch", "delete")
# Error statuses whose examples the endpoints give themselves (not the error library).
SAVED_STATUSES = {"400", "503"}


def build_collection(schema: dict) -> dict:
    """Return the Postman (v2.1) collection of the operations of `schema`, an OpenAPI dict."""
    folders: dict[str, list[dict]] = {}
    for path, operations in schema["paths"].items():
        for method in METHODS:
            operation = operations.get(method)
            if operation is None:
                continue
            folder = (operation.get("tags") or ["service"])[0]
            folders.setdefault(folder, []).extend(_items(path, method, operation))
    info = schema["info"]
    return {
        "info": {
            "name": info["title"],
            "description": info.get("description", ""),
            "version": info.get("version", ""),
            "schema": SCHEMA_URL,
        },
        "auth": _api_key_auth(),
        "variable": [
            {"key": "base_url", "value": BASE_URL, "type": "string"},
            {"key": "api_key", "value": "", "type": "string"},
        ],
        "item": [{"name": name, "item": items} for name, items in folders.items()],
    }


def render(collection: dict) -> str:
    """Return `collection` as the text of the committed file."""
    return json.dumps(collection, indent=2, ensure_ascii=False) + "\n"


def _api_key_auth() -> dict:
    return {
        "type": "apikey",
        "apikey": [
            {"key": "key", "value": "Authorization", "type": "string"},
            {"key": "value", "value": "Api-Key {{api_key}}", "type": "string"},
            {"key": "in", "value": "header", "type": "string"},
        ],
    }


def _items(path: str, method: str, operation: dict) -> list[dict]:
    summary = operation.get("summary") or operation["operationId"]
    bodies = _bodies(operation.get("requestBody"))
    responses = _responses(operation.get("responses", {}))
    items = []
    for label, body in bodies or [("", None)]:
        request = _request(path, method, operation, body)
        items.append(
            {
                "name": f"{summary} ({label})" if label and len(bodies) > 1 else summary,
                "request": request,
                "response": [{**response, "originalRequest": request} for response in responses],
            }
        )
    return items


def _request(path: str, method: str, operation: dict, body: dict | None) -> dict:
    segments = [
        f":{segment[1:-1]}" if segment.startswith("{") else segment
        for segment in path.strip("/").split("/")
    ]
    url: dict[str, Any] = {
        "raw": "{{base_url}}/" + "".join(f"{s}/" for s in segments if s),
        "host": ["{{base_url}}"],
        "path": [*(s for s in segments if s), ""],
    }
    parameters = operation.get("parameters", [])
    query = [
        {
            "key": p["name"],
            "value": _example_text(p.get("schema", {})),
            "description": p.get("description", ""),
            "disabled": not p.get("required", False),
        }
        for p in parameters
        if p["in"] == "query"
    ]
    if query:
        url["query"] = query
    variables = [
        {"key": p["name"], "value": "1", "description": p.get("description", "")}
        for p in parameters
        if p["in"] == "path"
    ]
    if variables:
        url["variable"] = variables
    request: dict[str, Any] = {
        "method": method.upper(),
        "header": [],
        "url": url,
        "description": operation.get("description") or operation.get("summary", ""),
    }
    if operation.get("security") is None or {} in operation.get("security", []):
        request["auth"] = {"type": "noauth"}
    if body is not None:
        if body.get("content_type"):
            request["header"].append({"key": "Content-Type", "value": body["content_type"]})
        request["body"] = body["body"]
    return request


def _bodies(request_body: dict | None) -> list[tuple[str, dict]]:
    """Return (label, body) for each request example of each media type."""
    if not request_body:
        return []
    bodies: list[tuple[str, dict]] = []
    for content_type, content in request_body.get("content", {}).items():
        if content_type == "multipart/form-data":
            files = [
                {"key": name, "type": "file", "src": SAMPLE_CSV}
                for name, prop in content.get("schema", {}).get("properties", {}).items()
                if prop.get("format") == "binary"
            ]
            bodies.append(
                (
                    "multipart file",
                    {"content_type": None, "body": {"mode": "formdata", "formdata": files}},
                )
            )
            continue
        for key, example in content.get("examples", {}).items():
            value = example.get("value")
            if content_type == "application/json":
                raw = json.dumps(value, indent=2, ensure_ascii=False)
                options = {"raw": {"language": "json"}}
            else:
                raw, options = str(value), {"raw": {"language": "text"}}
            label = example.get("summary", key)
            if content_type != "application/json":
                label = f"{label}, {content_type}"
            bodies.append(
                (
                    label,
                    {
                        "content_type": content_type,
                        "body": {"mode": "raw", "raw": raw, "options": options},
                    },
                )
            )
    return bodies


def _responses(responses: dict) -> list[dict]:
    saved = []
    for code, response in responses.items():
        # The error examples drf-standardized-errors adds to every operation would make the
        # collection mostly copies of one shape: keep the successes and the API's own errors.
        if code not in SAVED_STATUSES and not code.startswith("2"):
            continue
        if not response.get("content"):
            saved.append(
                _saved(code, response.get("description") or HTTPStatus(int(code)).phrase, "", "")
            )
            continue
        for content_type, content in response.get("content", {}).items():
            for key, example in content.get("examples", {}).items():
                value = example.get("value")
                body = (
                    json.dumps(value, indent=2, ensure_ascii=False)
                    if content_type == "application/json"
                    else str(value)
                )
                saved.append(_saved(code, example.get("summary", key), content_type, body))
    return saved


def _saved(code: str, name: str, content_type: str, body: str) -> dict:
    return {
        "name": name,
        "status": HTTPStatus(int(code)).phrase,
        "code": int(code),
        "_postman_previewlanguage": "json" if content_type == "application/json" else "text",
        "header": [{"key": "Content-Type", "value": content_type}] if content_type else [],
        "body": body,
    }


def _example_text(schema: dict) -> str:
    if "example" in schema:
        return str(schema["example"])
    if schema.get("enum"):
        return str(schema["enum"][0])
    if "default" in schema:
        return (
            str(schema["default"]).lower()
            if isinstance(schema["default"], bool)
            else str(schema["default"])
        )
    return ""


def current_schema() -> dict:
    """Return the OpenAPI schema drf-spectacular serves at /api/schema/, as plain JSON data."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadscoring.settings")
    import django

    django.setup()
    text = render(build_collection(current_schema()))
    if args.check:
        if not COLLECTION_PATH.exists() or COLLECTION_PATH.read_text() != text:
            print(
                f"{COLLECTION_PATH.name} is out of date: run python -m leadscoring.api.postman",
                file=sys.stderr,
            )
            return 1
        return 0
    COLLECTION_PATH.write_text(text)
    print(f"wrote {COLLECTION_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
