"""A loopback OpenAI-compatible Chat Completions endpoint, for tests that drive the real SDK.

Use with pytest-httpserver's `httpserver` fixture: `serve(httpserver, echo_answers)` then point a
client at `httpserver.url_for("/v1")`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scoring.classifiers.prompt import DATA_CLOSE, DATA_OPEN

PATH = "/v1/chat/completions"
MODEL = "gpt-test"


def completion(content: str, *, model: str = MODEL, finish_reason: str = "stop") -> dict[str, Any]:
    """Return a Chat Completions body whose single choice says `content`."""
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_764_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def json_response(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def error_response(status: int, message: str) -> Response:
    body = {"error": {"message": message, "type": "invalid_request_error", "param": None}}
    return json_response(body, status)


def request_body(request: Request) -> dict[str, Any]:
    return json.loads(request.get_data())


def leads_asked(request: Request) -> list[dict[str, Any]]:
    """Return the leads of a request's data block (each with its `id` in the batch)."""
    user = request_body(request)["messages"][-1]["content"]
    block = user.split(f"\n{DATA_OPEN}\n", 1)[1].split(f"\n{DATA_CLOSE}", 1)[0]
    return json.loads(block)["leads"]


def model_reasoning(lead: dict[str, Any]) -> str:
    """The fake model's reasoning for a lead: derived from its role, to catch mix-ups."""
    return f"Model read the role {lead['role']}."


def echo_answers(request: Request) -> Response:
    """Answer every lead of the request: High, with the reasoning of `model_reasoning`."""
    results = [
        {"id": lead["id"], "intent": "High", "reasoning": model_reasoning(lead)}
        for lead in leads_asked(request)
    ]
    return json_response(completion(json.dumps({"results": results})))


def answering(reasoning: str, *, model: str = MODEL) -> Callable[[Request], Response]:
    """Return a handler answering every lead High with `reasoning`, as the model named `model`:
    the model's hostile text, escaped in JSON as a provider would send it."""

    def handler(request: Request) -> Response:
        results = [
            {"id": lead["id"], "intent": "High", "reasoning": reasoning}
            for lead in leads_asked(request)
        ]
        return json_response(completion(json.dumps({"results": results}), model=model))

    return handler


def failing(status: int) -> Callable[[Request], Response]:
    """Return a handler answering every request with `status`."""

    def handler(request: Request) -> Response:
        return error_response(status, f"Failure {status} for testing.")

    return handler


class Script:
    """A handler answering each request with the next function of a list, the last one forever."""

    def __init__(self, *steps: Callable[[Request], Response]) -> None:
        self.steps = list(steps)
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self.lock:
            step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        return step(request)


def serve(httpserver: HTTPServer, handler: Callable[[Request], Response]) -> None:
    httpserver.expect_request(PATH, method="POST").respond_with_handler(handler)


def requests_seen(httpserver: HTTPServer) -> list[Request]:
    return [request for request, _ in httpserver.log]
