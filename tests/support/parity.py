"""One request sent to two Zipkin-compatible servers, and their answers put side by side, aspect by aspect.

An aspect is something a client acts on: the status line, the body, the media type, Cache-Control,
what a browser reads of CORS, and for a POST the trace read back after it. The few normalisations
every comparison needs are made here, each under the name tests/test_real_zipkin_parity.py gives its
reason: "json layout", "text/*", "grpc-web cors".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests


@dataclass
class Answer:
    """What one server answered (and, after a POST, what it then had of the posted trace)."""

    status: int
    reason: str
    headers: Any  # requests' case-insensitive dict
    content: bytes
    stored: Answer | None = None


def ask(base_url: str, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Answer:
    """The server's answer, redirects followed as a browser would."""
    response = requests.request(method, f"{base_url}{path}", data=body, headers=headers, timeout=10)
    return Answer(response.status_code, response.reason, response.headers, response.content)


def media_type(answer: Answer) -> str | None:
    """The media type without parameters, if any; "text/*" read as text/plain."""
    if "Content-Type" not in answer.headers:
        return None
    kind = answer.headers["Content-Type"].split(";")[0].strip().lower()
    return "text/plain" if kind == "text/*" else kind  # "text/*"


def body(answer: Answer) -> Any:
    """JSON parsed ("json layout"), text decoded, else the bytes."""
    kind = media_type(answer)
    if kind == "application/json" and answer.content:
        return json.loads(answer.content)
    if kind == "text/plain":
        return answer.content.decode("utf-8", "replace")
    return answer.content


def _tokens(value: str | None) -> list[str]:
    return sorted(token.strip().lower() for token in (value or "").split(",") if token.strip())


def cors(answer: Answer, request_headers: dict[str, str]) -> dict[str, Any]:
    """What a browser reads of CORS ("grpc-web cors": the headers Zipkin names for gRPC-web are not)."""
    headers = answer.headers
    seen: dict[str, Any] = {
        "allow-origin": headers.get("Access-Control-Allow-Origin"),
        "vary by origin": "origin" in _tokens(headers.get("Vary")),
        "allow-credentials": headers.get("Access-Control-Allow-Credentials"),
    }
    if "Access-Control-Request-Method" in request_headers:  # a preflight
        seen["allow-methods"] = _tokens(headers.get("Access-Control-Allow-Methods"))
        asked = _tokens(request_headers.get("Access-Control-Request-Headers"))
        allowed = set(_tokens(headers.get("Access-Control-Allow-Headers")))
        seen["asked headers allowed"] = [header for header in asked if header in allowed]
    return seen


def aspects(answer: Answer, request_headers: dict[str, str]) -> dict[str, Any]:
    """Every aspect compared, by name."""
    seen = {
        "status": (answer.status, answer.reason),
        "body": body(answer),
        "media type": media_type(answer),
        "cache-control": answer.headers.get("Cache-Control"),
        "cors": cors(answer, request_headers),
    }
    if "Access-Control-Request-Method" in request_headers:
        seen["cors max-age"] = answer.headers.get("Access-Control-Max-Age")
    if answer.stored is not None:
        seen["stored"] = (answer.stored.status, body(answer.stored))
    return seen


def differences(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, str]:
    """The aspects that differ, each with both values."""
    return {
        name: f"ours {ours.get(name)!r}\n    Zipkin {theirs.get(name)!r}"
        for name in sorted(set(ours) | set(theirs))
        if ours.get(name) != theirs.get(name)
    }
