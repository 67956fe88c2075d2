"""Run a WSGI app until Ctrl-C or SIGTERM (threaded; never with the reloader, which drops instrumentation)."""

from __future__ import annotations

import logging
import signal
import sys
from typing import Callable

from werkzeug.serving import make_server


def serve(app, host: str, port: int, name: str, on_stop: Callable[[], None] | None = None) -> int:
    """Serve `app` on host:port, print where, and stop cleanly on SIGINT/SIGTERM."""
    try:
        server = make_server(host, port, app, threaded=True)
    except OSError as error:
        print(f"journey {name}: cannot listen on {host}:{port}: {error.strerror or error}", file=sys.stderr)
        return 1

    # one line per request drowns what matters in a demo terminal; problems are still logged
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    def stop(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"journey {name}: listening on http://{host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if on_stop is not None:
            on_stop()
    return 0
