"""Non-GraphQL routes: the built frontend, the browser's runtime config (with what the demo runs with), and
readiness."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, jsonify, request, send_from_directory

from common.telemetry_settings import otlp_traces_endpoint

from .fixes import ActiveFixes

DEFAULT_FRONTEND_DIR = Path(__file__).resolve().parent.parent / "frontend" / "dist"


def browser_exporter(settings: dict[str, Any]) -> str:
    """zipkin or otlp: JOURNEY_BROWSER_EXPORTER, else the backend's own exporter when the browser has it."""
    if settings["browser_exporter"]:
        return settings["browser_exporter"]
    return "otlp" if settings["traces_exporter"] == "otlp" else "zipkin"


def browser_config(settings: dict[str, Any], app_origin: str) -> dict[str, Any]:
    """What the browser's telemetry needs at run time; nothing of it is baked into the build."""
    return {
        "serviceName": "frontend",
        "exporter": browser_exporter(settings),
        "zipkinEndpoint": settings["browser_zipkin_endpoint"] or settings["zipkin_endpoint"],
        "otlpEndpoint": settings["browser_otlp_endpoint"] or otlp_traces_endpoint(settings),
        "viewerUrl": settings["viewer_url"],
        "viewerKind": settings["viewer_kind"],
        "batchDelayMs": settings["bsp_schedule_delay_ms"],
        "sampleRatio": settings["browser_sample_ratio"],
        "traceHeaderOrigins": [app_origin, *settings["trace_header_origins"]],
        "sessionIdleTimeoutMs": settings["session_idle_timeout"] * 1000,
        "sessionMaxDurationMs": settings["session_max_duration"] * 1000,
        "tracing": not settings["sdk_disabled"],
    }


def demo_status(settings: dict[str, Any], fixes: ActiveFixes) -> dict[str, Any]:
    """What the demo runs with, for the app's status line and `journey up`'s start message: the fixes
    (read now: `journey fix` changes them while it runs), the samplers, the exporter, the span store."""
    return {
        "fixes": [{"name": s.name, "on": s.on, "by": s.by} for s in fixes.states()],
        "sampler": settings["traces_sampler"],
        "samplerArg": settings["traces_sampler_arg"],
        "browserSampleRatio": settings["browser_sample_ratio"],
        "exporter": settings["traces_exporter"],
        "store": settings["viewer_kind"],  # our collector and viewer, or the real Zipkin
    }


def init_app(app: Flask, settings: dict[str, Any], fixes: ActiveFixes) -> None:
    """Register /config.json, /health and the single-page app."""
    frontend_dir = Path(settings["frontend_dir"] or DEFAULT_FRONTEND_DIR)

    @app.get("/config.json")
    def config_json():
        parts = urlsplit(request.host_url)
        config = browser_config(settings, f"{parts.scheme}://{parts.netloc}")
        response = jsonify({**config, "demo": demo_status(settings, fixes)})
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/health")
    def health():
        return {"status": "UP", "service": settings["service_name"]}

    @app.get("/")
    @app.get("/<path:path>")
    def frontend(path: str = ""):
        if path.startswith(("graphql", "api/")):
            abort(404)
        if path and (frontend_dir / path).is_file():
            return send_from_directory(frontend_dir, path)
        if "." in path.rsplit("/", 1)[-1]:
            abort(404)  # a missing asset, not a client-side route
        if not (frontend_dir / "index.html").is_file():
            return (
                f"The frontend is not built: run `make install` (looked in {frontend_dir}).\n",
                503,
                {"Content-Type": "text/plain; charset=utf-8"},
            )
        return send_from_directory(frontend_dir, "index.html")  # client-side routes
