"""werkzeug's WSGI server with two costs per request taken out, both measured (docs/performance.md).

werkzeug's threaded server starts a thread for each connection, which ends with it, and formats an
access-log line for each request (its URL decoded back to an IRI, a timestamp) even when its logger
drops it. A client that opens a connection per request (as urllib does, and the benches with it)
pays both on every batch it posts: on a trivial WSGI app, 4 clients posting 4,000 bodies,
werkzeug's server took 600 to 740 µs of CPU a request, and this one 480 to 500 µs.

- `ThreadReusingServer` is werkzeug's `BaseWSGIServer` whose `process_request` (socketserver's hook
  for how a connection is handled) gives each connection to an idle thread, and starts a thread only
  when none is idle: a thread per connection still, as many as there are connections at once (so
  kept-alive browser connections never starve the others), then up to `MAX_IDLE_THREADS` wait for
  the next ones. Threads are daemons, as in werkzeug's threaded mode: stopping waits for the requests
  in progress (serve.py), not for idle connections.
- `QuietRequestHandler` skips werkzeug's access-log line when its logger would drop it.
"""

from __future__ import annotations

import logging
import queue
import threading

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

MAX_IDLE_THREADS = 32


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler, which only builds its access-log line when it will be logged."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if logging.getLogger("werkzeug").isEnabledFor(logging.INFO):
            super().log_request(code, size)


class ThreadReusingServer(BaseWSGIServer):
    """A WSGI server handling each connection on a thread of its own, reusing threads that are idle."""

    multithread = True  # as werkzeug's threaded server: HTTP/1.1 keep-alive, wsgi.multithread

    def __init__(self, host: str, port: int, app, fd: int | None = None) -> None:
        super().__init__(host, port, app, handler=QuietRequestHandler, fd=fd)
        self._connections: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0  # threads waiting for a connection, less the connections already queued for them

    def process_request(self, request, client_address) -> None:
        with self._lock:
            start = self._idle == 0
            if not start:
                self._idle -= 1
        if start:  # a thread that cannot start raises here, and socketserver closes the connection
            threading.Thread(target=self._handle_connections, daemon=True).start()
        self._connections.put((request, client_address))  # each queued connection has a thread to take it

    def _handle_connections(self) -> None:
        while True:
            request, client_address = self._connections.get()
            try:
                self.finish_request(request, client_address)
            except Exception:  # noqa: BLE001 - reported as socketserver reports it, and the thread goes on
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)
            with self._lock:
                if self._idle >= MAX_IDLE_THREADS:
                    return
                self._idle += 1
