"""What a running demo runs with, in words, for `journey up`'s start message.

Read from the backend's /config.json (its `demo` part, which the app's status line shows too), so
the terminal says what the backend really resolved: fixes remembered or overridden by a switch,
the samplers, the exporter, the span store.
"""

from __future__ import annotations

import json
import urllib.request

ZIPKIN_SPANS = "Zipkin v2 JSON to /api/v2/spans"
OTLP_SPANS = "OTLP/HTTP to /v1/traces"


def read_demo_status(app_url: str) -> dict:
    """The backend's runtime config (`demo` holds what it runs with); OSError or ValueError if unreadable."""
    with urllib.request.urlopen(f"{app_url}/config.json", timeout=5) as response:
        return json.load(response)


def _fix(fix: dict) -> str:
    """A fix's name, with the switch that decided it when one overrides the remembered fixes."""
    if fix["by"] in ("", "remembered"):
        return fix["name"]
    return f"{fix['name']} ({fix['by']}={'true' if fix['on'] else 'false'})"


def describe(config: dict, store: str) -> list[str]:
    """The lines of the start message that say what the demo runs with (`store` in words)."""
    demo = config["demo"]
    fixed = [_fix(fix) for fix in demo["fixes"] if fix["on"]]
    planted = [_fix(fix) for fix in demo["fixes"] if not fix["on"]]
    sampler = " ".join(str(part) for part in (demo["sampler"], demo["samplerArg"]) if part is not None)
    sent = OTLP_SPANS if demo["exporter"] == "otlp" else ZIPKIN_SPANS
    return [
        f"  fixed:    {', '.join(fixed) or 'none yet'}",
        f"  planted:  {', '.join(planted) or 'none: every problem is fixed'}",
        "            `journey fix <name>` fixes one, `journey fix --undo <name>` plants it again; no restart needed",
        f"  sampling: the browser keeps {demo['browserSampleRatio']:.0%} of actions; the backend's sampler: {sampler}",
        f"  spans:    {sent}, from the browser, the backend and the ratings service",
        f"  store:    {store}",
    ]
