"""Journey's collector: a Zipkin v2 API compatible span store (SQLite) and trace viewer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Flask

from common.settings import resolve


def create_app(config: dict[str, Any] | None = None, blueprints: Iterable[Blueprint] = ()) -> Flask:
    """Build the collector app; `config` overrides settings (see collector.settings.SETTINGS).

    `blueprints`: more pages, mounted beside the viewer's, for a caller that serves something of its
    own over the same store (`current_app.extensions["span_store"]`) and templates (base.html).
    """
    from . import api, cors, otlp, routing, ui_config, viewer
    from .settings import SETTINGS, database_path
    from .store import SpanStore

    settings = resolve(SETTINGS, environ={}) | (config or {})
    app = Flask(__name__)
    app.config["JOURNEY"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings["max_body_bytes"]
    app.extensions["span_store"] = SpanStore(
        database_path(settings),
        max_spans=settings["max_spans"],
        retention_hours=settings["retention_hours"],
        autocomplete_keys=settings["autocomplete_keys"],
    )
    cors.init_app(app, settings["allowed_origins"])
    api.init_app(app)
    otlp.init_app(app)
    ui_config.init_app(app)
    viewer.init_app(app)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    routing.init_app(app)  # Zipkin's answers where no route serves, for every page the app has
    return app
