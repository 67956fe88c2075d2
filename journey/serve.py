"""Run a WSGI app until Ctrl-C or SIGTERM: a thread a connection, kept for the next (http_server.py),
never with the reloader (it drops instrumentation), optionally in several pre-forked worker processes
sharing one listening socket."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import NoReturn

from .http_server import ThreadReusingServer

AppFactory = Callable[[], tuple[object, Callable[[], None] | None]]


def _raise_interrupt(_signum, _frame):
    raise KeyboardInterrupt


def _die_with_parent() -> None:
    """Ask Linux to stop this worker when its supervisor dies, even by kill -9 (PR_SET_PDEATHSIG);
    an orphaned worker would keep the port and the database busy."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: a supervisor killed by -9 leaves its workers to be stopped by hand


DRAIN_TIMEOUT_S = 5.0


class InFlight:
    """WSGI middleware counting requests in progress, so that stopping waits for them to finish
    before the app's resources (database connections, span exporters) are closed under them."""

    def __init__(self, app) -> None:
        self.app = app
        self.count = 0
        self._idle = threading.Condition()

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        with self._idle:
            self.count += 1
        try:
            return _Counted(self.app(environ, start_response), self)
        except BaseException:
            self.done()
            raise

    def done(self) -> None:
        with self._idle:
            self.count -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        with self._idle:
            while self.count and time.monotonic() < deadline:
                self._idle.wait(deadline - time.monotonic())
            return self.count == 0


class _Counted:
    """A response body that, when the server closes it (the end of the request), closes the app's
    own body (Flask's teardown runs there) and then counts the request as done."""

    def __init__(self, body: Iterable[bytes], inflight: InFlight) -> None:
        self.body = body
        self.inflight = inflight

    def __iter__(self):
        return iter(self.body)

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.inflight.done()


def _server(host: str, port: int, app, fd: int):
    inflight = InFlight(app)
    server = ThreadReusingServer(host, port, inflight, fd=fd)
    server.stopping = False
    report = server.handle_error

    def handle_error(request, client_address) -> None:
        # while stopping, a kept-alive connection waiting for its next request loses its socket:
        # nothing was in progress on it, so that is not worth a traceback in the log
        if server.stopping and isinstance(sys.exc_info()[1], OSError):
            return
        report(request, client_address)

    server.handle_error = handle_error
    return server, inflight


def _run(server, inflight: InFlight, on_stop: Callable[[], None] | None) -> None:
    # Everything built so far (modules, schema, app) lives as long as the process: take it out of
    # the cyclic collector's view, so that full collections stay short. They were the slowest 1 %
    # of requests (p99 3.5x the median with tracing on, which allocates more).
    gc.freeze()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stopping = True
        server.server_close()  # no new connections; requests in progress run to their end
        inflight.wait_idle(DRAIN_TIMEOUT_S)
        if on_stop is not None:
            on_stop()


def serve(make_app: AppFactory, host: str, port: int, name: str, workers: int = 1) -> int:
    """Serve the app from `make_app()` on host:port, print where, and stop cleanly on SIGINT/SIGTERM.

    With workers > 1 the socket is bound here and each forked worker builds its own app (its own
    database connections) after the fork; the parent only supervises.
    """
    # one line per request drowns what matters in a demo terminal; problems are still logged
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        listener = socket.create_server((host, port), backlog=256)
    except OSError as error:
        print(f"journey {name}: cannot listen on {host}:{port}: {error.strerror or error}", file=sys.stderr)
        return 1
    if workers <= 1:
        return _serve_in_process(make_app, host, listener, name)
    return _serve_in_workers(make_app, host, listener, name, workers)


def _serve_in_process(make_app: AppFactory, host: str, listener: socket.socket, name: str) -> int:
    """One process: build the app here and serve it on the bound socket until stopped."""
    bound_port = listener.getsockname()[1]
    app, on_stop = make_app()
    server, inflight = _server(host, bound_port, app, listener.fileno())
    print(f"journey {name}: listening on http://{host}:{bound_port}", flush=True)
    _run(server, inflight, on_stop)
    return 0


def _serve_in_workers(make_app: AppFactory, host: str, listener: socket.socket, name: str, workers: int) -> int:
    """Fork `workers` processes that share the bound socket, then only supervise them."""
    bound_port = listener.getsockname()[1]
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker: its own app, the shared socket
            _worker(make_app, host, bound_port, listener, name)
        children.append(pid)
    listener.close()
    print(f"journey {name}: listening on http://{host}:{bound_port} ({workers} workers)", flush=True)
    return _supervise(children, name)


def _worker(make_app: AppFactory, host: str, bound_port: int, listener: socket.socket, name: str) -> NoReturn:
    """A forked worker's whole life: its own app on the shared socket, then exit (never return to the fork)."""
    code = 0
    _die_with_parent()
    if os.getppid() == 1:  # the supervisor died before the line above ran
        os._exit(1)
    try:
        app, on_stop = make_app()
        _run(*_server(host, bound_port, app, listener.fileno()), on_stop)
    except BaseException as error:  # noqa: BLE001 - reported, then the worker exits
        print(f"journey {name}: worker failed: {error}", file=sys.stderr)
        code = 1
    finally:
        os._exit(code)


def _supervise(children: list[int], name: str) -> int:
    """Wait for Ctrl-C, SIGTERM or a worker's exit, then stop and reap every worker; 1 if a worker exited."""
    code = 0
    try:
        pid, status = os.wait()  # a worker that exits on its own is a failure: stop the rest
        children.remove(pid)
        print(f"journey {name}: a worker exited ({status}); stopping", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        pass
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    return code
