"""GET /zipkin/config.json: the settings Zipkin's own UI (Lens) reads before it draws anything.

Lens fetches `<base path>/config.json` beside `<base path>/api/v2`, so a set-up that routes `/zipkin/*`
to this collector (zipkin-ui's nginx image does) needs it here; without it Lens renders a blank page.
The fields, their order and their defaults are zipkin-server's (ZipkinUiConfiguration.writeConfig,
with the `zipkin.ui` defaults of zipkin-server-shared.yml), pretty-printed as its Jackson writes them
and cached for 10 minutes as it does. The URLs are null: this collector has no logs, support or
archive to link to.
"""

from __future__ import annotations

import json

from flask import Flask, Response, request

CONFIG_PATH = "/zipkin/config.json"
CONFIG_MAX_AGE_S = 600  # zipkin-server's hard-coded cache policy for config.json

ZIPKIN_UI_DEFAULTS = {
    "environment": "",
    "queryLimit": 10,
    "defaultLookback": 900_000,  # 15 minutes, in ms: the UI's start time, not the API's QUERY_LOOKBACK
    "searchEnabled": True,
    "logsUrl": None,
    "supportUrl": None,
    "archivePostUrl": None,
    "archiveUrl": None,
    "dependency": {"enabled": True, "lowErrorRate": 0.5, "highErrorRate": 0.75},
}


def render_ui_config(config: dict) -> str:
    """The config as zipkin-server writes it: Jackson's default pretty printer (`"key" : value`)."""
    return json.dumps(config, indent=2, separators=(",", " : "))


def init_app(app: Flask) -> None:
    """Serve Zipkin's default UI config at /zipkin/config.json."""
    body = render_ui_config(ZIPKIN_UI_DEFAULTS)

    def ui_config() -> Response:
        response = Response(body, content_type="application/json; charset=utf-8")
        response.headers["Cache-Control"] = f"max-age={CONFIG_MAX_AGE_S}"
        response.add_etag()  # browsers revalidate after 10 minutes: 304 when nothing changed
        return response.make_conditional(request)

    app.add_url_rule(CONFIG_PATH, "zipkin_ui_config", ui_config)
