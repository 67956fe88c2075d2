"""The SERVER span of each HTTP request, after the stable HTTP semantic conventions, as Flask hooks.

This does what opentelemetry-instrumentation-flask does for this app, in a fifth of the time: the
package collects and normalises attributes it then throws away for unsampled requests, and its
share of the tracing overhead measured 0.07 of the 0.24 by which traced requests were slower
(bench/backend_bench.py). Attribute names are the same: http.request.method, url.path, url.scheme,
http.route, server.address, server.port, client.address, user_agent.original,
network.protocol.version, http.response.status_code, error.type.
"""

from __future__ import annotations

from flask import Flask, g, request
from opentelemetry import context, propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from .session import with_session

EXCLUDED_PREFIXES = ("/health", "/assets/")


def trace_requests(app: Flask, tracer: trace.Tracer) -> None:
    """Start a SERVER span before each request (continuing traceparent and baggage) and end it after."""

    @app.before_request
    def start_server_span() -> None:
        if request.path.startswith(EXCLUDED_PREFIXES):
            return
        incoming = with_session(propagate.extract(request.headers))  # W3C traceparent and baggage
        route = request.url_rule.rule if request.url_rule is not None else None
        host, _, port = request.host.partition(":")
        attributes = {
            "http.request.method": request.method,
            "url.path": request.path,
            "url.scheme": request.scheme,
            "server.address": host,
            "server.port": int(port) if port.isdigit() else (443 if request.scheme == "https" else 80),
            "network.protocol.version": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1").partition("/")[2],
        }
        if route:
            attributes["http.route"] = route
        if request.remote_addr:
            attributes["client.address"] = request.remote_addr
        if request.user_agent.string:
            attributes["user_agent.original"] = request.user_agent.string
        span = tracer.start_span(
            f"{request.method} {route}" if route else request.method,
            context=incoming,
            kind=SpanKind.SERVER,
            attributes=attributes,
        )
        g.server_span = (span, context.attach(trace.set_span_in_context(span, incoming)))

    @app.after_request
    def record_response(response):
        found = g.get("server_span")
        if found is not None:
            span = found[0]
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 500:  # 4xx is the client's doing, not this server's error
                span.set_attribute("error.type", str(response.status_code))
                span.set_status(Status(StatusCode.ERROR))
        return response

    @app.teardown_request
    def end_server_span(error: BaseException | None) -> None:
        found = g.pop("server_span", None)
        if found is None:
            return
        span, token = found
        if error is not None:
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, str(error)))
            span.set_attribute("error.type", type(error).__qualname__)
        span.end()
        context.detach(token)
