"""Stopping the collector under load: requests in progress finish, none gets a 500, and every
acknowledged span is still there after a restart."""

import threading
import time
import uuid

import requests
from support import poll_until, start_server


def batch(n: int = 50) -> list[dict]:
    trace_id = uuid.uuid4().hex
    return [
        {
            "traceId": trace_id,
            "id": f"{i + 1:016x}",
            "name": "s",
            "timestamp": int(time.time() * 1e6) + i,
            "duration": 5,
            "localEndpoint": {"serviceName": "stop-test"},
        }
        for i in range(n)
    ]


def test_stopping_under_load_answers_202_or_503_and_loses_no_acknowledged_span(tmp_path):
    database = tmp_path / "spans.db"
    collector = start_server(["collector", "--db", str(database)], "collector", tmp_path)
    acknowledged, statuses, stop = [], [], threading.Event()

    def send():
        session = requests.Session()
        while not stop.is_set():
            spans = batch()
            try:
                status = session.post(f"{collector.url}/api/v2/spans", json=spans, timeout=10).status_code
            except requests.ConnectionError:
                continue  # the listening socket is closed: not acknowledged, nothing promised
            statuses.append(status)
            if status == 202:
                acknowledged.append(spans[0]["traceId"])

    senders = [threading.Thread(target=send) for _ in range(4)]
    for sender in senders:
        sender.start()
    poll_until(lambda: len(acknowledged) >= 20, "20 acknowledged batches")
    collector.stop()  # SIGTERM while batches are in flight
    stop.set()
    for sender in senders:
        sender.join()
    assert set(statuses) <= {202, 503}, sorted(set(statuses))
    assert "Traceback" not in collector.log(), collector.log()

    restarted = start_server(["collector", "--db", str(database)], "collector-again", tmp_path)
    try:
        for trace_id in acknowledged:
            answer = requests.get(f"{restarted.url}/api/v2/trace/{trace_id}", timeout=5)
            assert answer.status_code == 200 and len(answer.json()) == 50, trace_id
    finally:
        restarted.stop()
