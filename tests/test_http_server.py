"""The server under the collector and the backend (journey/http_server.py), over real HTTP: a thread per
connection, reused for later connections, never starving one connection for another."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from support import poll_until

from journey.http_server import MAX_IDLE_THREADS, ThreadReusingServer

HANDLER_THREAD = "_handle_connections"


def thread_name_app(barrier: threading.Barrier | None = None):
    """A WSGI app answering with the name of the thread it ran on, after `barrier` if given."""

    def app(environ, start_response):
        if barrier is not None and environ["PATH_INFO"] == "/together":
            barrier.wait(timeout=10)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [threading.current_thread().name.encode()]

    return app


@pytest.fixture
def serve():
    servers = []

    def start(app) -> str:
        server = ThreadReusingServer("127.0.0.1", 0, app)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def handler_threads() -> int:
    return sum(1 for thread in threading.enumerate() if HANDLER_THREAD in thread.name)


def test_connections_one_after_another_reuse_the_threads_of_those_before(serve):
    url = serve(thread_name_app())
    names = []
    for _ in range(20):
        answer = requests.get(url, headers={"Connection": "close"}, timeout=5)  # a new connection each time
        assert answer.status_code == 200
        names.append(answer.text)
    # a thread is idle again only once it has closed its connection, which the client may not wait for:
    # a few threads take turns (werkzeug's threaded server starts 20)
    assert len(set(names)) <= 4, names
    assert all(HANDLER_THREAD in name for name in names)


def test_a_kept_alive_connection_holds_no_other_connection_back(serve):
    url = serve(thread_name_app(threading.Barrier(3)))
    kept = requests.Session()
    assert kept.get(url, timeout=5).status_code == 200  # its thread now waits for this connection's next request
    with ThreadPoolExecutor(3) as pool:  # three requests that can only finish all at once
        answers = list(pool.map(lambda _: requests.get(f"{url}/together", timeout=15), range(3)))
    assert [answer.status_code for answer in answers] == [200] * 3
    assert len({answer.text for answer in answers}) == 3
    assert kept.get(url, timeout=5).status_code == 200  # and the kept-alive connection still works
    kept.close()


def test_at_most_the_idle_limit_of_threads_stay_once_a_burst_is_over(serve):
    burst = MAX_IDLE_THREADS + 8
    before = handler_threads()
    url = serve(thread_name_app(threading.Barrier(burst)))
    with ThreadPoolExecutor(burst) as pool:
        answers = list(pool.map(lambda _: requests.get(f"{url}/together", timeout=20), range(burst)))
    assert len({answer.text for answer in answers}) == burst  # a thread for each connection at once
    poll_until(lambda: handler_threads() - before == MAX_IDLE_THREADS, f"{MAX_IDLE_THREADS} idle threads left")
    assert requests.get(url, timeout=5).status_code == 200


def test_the_access_log_keeps_its_line_for_a_logger_that_takes_info_and_only_then(serve, caplog):
    url = serve(thread_name_app())
    with caplog.at_level(logging.WARNING, logger="werkzeug"):
        requests.get(f"{url}/quiet", timeout=5)
    assert not [record for record in caplog.records if "/quiet" in record.getMessage()]
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        requests.get(f"{url}/logged", timeout=5)
    assert [record for record in caplog.records if '"GET /logged HTTP/1.1" 200' in record.getMessage()]
