"""CORS as zipkin-server answers it (Armeria's CorsService, as ZipkinHttpConfiguration sets it up), for
the origins in ZIPKIN_QUERY_ALLOWED_ORIGINS.

- `*`, the default: every origin gets `Access-Control-Allow-Origin: *`, not its own origin echoed, and
  no `Vary: Origin` (the answer is the same for all); the opaque origin `null` gets `null`.
- A list of origins: one on the list (compared case-insensitively) gets itself echoed back, with
  `Vary: Origin`; any other gets no CORS header at all, and its browser refuses the answer.
- Never `Access-Control-Allow-Credentials`: Zipkin allows no cookies, which is what makes `*` valid.
- A preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered 200, with no body,
  either way, whatever the path; an allowed origin also gets the methods (GET, POST) and the headers
  it asked for among those we read.
- Every path, as Zipkin decorates its whole server: the API under both prefixes, OTLP's /v1/traces
  (browsers post their spans there too), /zipkin/config.json, the viewer, an unknown path's 404.

On purpose unlike Zipkin: Access-Control-Max-Age is a day, not Armeria's 0 (a preflight before every
batch a browser posts), and Content-Encoding is an allowed header (this collector takes gzip).
"""

from __future__ import annotations

from flask import Flask, Response, request

from .routing import empty

ALLOWED_METHODS = "GET, POST"
ALLOWED_HEADERS = {"content-type", "content-encoding", "accept"}
PREFLIGHT_MAX_AGE_S = 86400


def allow_origin_header(origin: str, allowed_origins: list[str]) -> tuple[str | None, bool]:
    """(the Access-Control-Allow-Origin to send or None, whether the answer varies by Origin)."""
    if "*" in allowed_origins:
        return ("null" if origin == "null" else "*"), False
    allowed = {configured.rstrip("/").lower() for configured in allowed_origins}
    return (origin if origin.lower() in allowed else None), True


def _is_preflight() -> bool:
    headers = request.headers
    return request.method == "OPTIONS" and "Origin" in headers and "Access-Control-Request-Method" in headers


def init_app(app: Flask, allowed_origins: list[str]) -> None:
    """Answer preflights, and add CORS headers to every answer, for the allowed origins."""

    @app.before_request
    def answer_preflight() -> Response | None:
        return empty(200) if _is_preflight() else None

    @app.after_request
    def add_cors_headers(response: Response) -> Response:
        origin = request.headers.get("Origin")
        if not origin:
            return response
        allow_origin, varies = allow_origin_header(origin, allowed_origins)
        if allow_origin is None:
            return response
        response.headers["Access-Control-Allow-Origin"] = allow_origin
        if varies:
            response.headers.add("Vary", "Origin")
        if _is_preflight():
            asked = request.headers.get("Access-Control-Request-Headers", "")
            headers = [h.strip() for h in asked.split(",") if h.strip().lower() in ALLOWED_HEADERS]
            response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            if headers:
                response.headers["Access-Control-Allow-Headers"] = ", ".join(headers)
            response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_S)
        return response
