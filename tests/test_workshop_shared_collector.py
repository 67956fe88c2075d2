"""Checkpoints on a collector a whole room shares: `--session` judges one attendee's traces against the
processes that served that attendee, not whichever backend of the room started last."""

import subprocess
import sys
import time

import requests
from support import ROOT


def search_trace(number: int, session: str, instance: str, started_us: int, whole: bool) -> list[dict]:
    """A search: the browser's action and call, and (when whole) the backend's server span under it."""
    trace_id = f"{number:032x}"
    root, call, server = f"{number:015x}1", f"{number:015x}2", f"{number:015x}3"
    frontend = {"serviceName": "frontend"}
    spans = [
        {"traceId": trace_id, "id": root, "name": "search talks", "timestamp": started_us, "duration": 40_000,
         "localEndpoint": frontend, "tags": {"session.id": session}},
        {"traceId": trace_id, "id": call, "parentId": root, "name": "post", "kind": "CLIENT",
         "timestamp": started_us + 1_000, "duration": 30_000, "localEndpoint": frontend,
         "tags": {"session.id": session}},
    ]  # fmt: skip
    if whole:
        spans.append(
            {"traceId": trace_id, "id": server, "parentId": call, "name": "post /graphql", "kind": "SERVER",
             "timestamp": started_us + 5_000, "duration": 20_000, "localEndpoint": {"serviceName": "backend"},
             "tags": {"session.id": session, "service.instance.id": instance}}
        )  # fmt: skip
    return spans


def test_the_sampling_checkpoint_judges_a_session_by_the_backend_that_served_it(collector):
    now = int(time.time() * 1_000_000)
    spans = []
    # bea's backend (started first) keeps every trace whole; a later backend of the room breaks ada's
    for n in range(3):
        spans += search_trace(10 + n, "bea-session", "backend-of-bea", now - 60_000_000 + n * 1_000_000, True)
    for n in range(3):
        spans += search_trace(20 + n, "ada-session", "backend-of-ada", now - 30_000_000 + n * 1_000_000, n != 1)
    assert requests.post(f"{collector.url}/api/v2/spans", json=spans, timeout=5).status_code == 202

    def check(session: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "journey", "check", "9", "--collector", collector.url, "--session", session],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )

    bea = check("bea-session")
    assert bea.returncode == 0, bea.stdout
    assert "3 traces of yours with calls to the backend, 0 missing" in bea.stdout
    ada = check("ada-session")
    assert ada.returncode == 1 and "1 missing the backend's part" in ada.stdout, ada.stdout
