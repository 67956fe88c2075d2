"""CORS like Zipkin's: allowed origins from ZIPKIN_QUERY_ALLOWED_ORIGINS; others get no CORS headers."""

from __future__ import annotations

from flask import Flask, request

ALLOWED_METHODS = "GET, POST"
ALLOWED_HEADERS = {"content-type", "content-encoding", "accept"}


def init_app(app: Flask, allowed_origins: list[str]) -> None:
    """Answer preflights and add CORS headers to API responses for allowed origins."""
    allow_any = "*" in allowed_origins
    allowed = {origin.rstrip("/") for origin in allowed_origins}

    @app.after_request
    def add_cors_headers(response):
        origin = request.headers.get("Origin")
        if not origin or not request.path.startswith(("/api/", "/zipkin/api/")):
            return response
        if not (allow_any or origin in allowed):
            return response
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers.add("Vary", "Origin")
        if request.method == "OPTIONS":
            asked = request.headers.get("Access-Control-Request-Headers", "")
            headers = [h.strip() for h in asked.split(",") if h.strip().lower() in ALLOWED_HEADERS]
            response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            if headers:
                response.headers["Access-Control-Allow-Headers"] = ", ".join(headers)
            response.headers["Access-Control-Max-Age"] = "86400"
        return response
