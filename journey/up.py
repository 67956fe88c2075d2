"""`journey up`: the collector and the backend as child processes, stopped together."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request

from common.settings import Setting, SettingError, parse_port

UP_SETTINGS = [
    Setting("port", "JOURNEY_PORT", 8000, "port of the app (backend + frontend)", "--port", parse_port),
    Setting(
        "collector_port",
        "JOURNEY_COLLECTOR_PORT",
        9411,
        "port of the collector and viewer",
        "--collector-port",
        parse_port,
    ),
    Setting("ratings_port", "JOURNEY_RATINGS_PORT", 8001, "port of the ratings service", "--ratings-port", parse_port),
    Setting("data_dir", "JOURNEY_DATA_DIR", ".journey", "directory for the database files", "--data-dir"),
]

READY_TIMEOUT_S = 30


def child_commands(config: dict) -> dict[str, list[str]]:
    """The two child command lines; the backend exports to the collector started beside it."""
    port, cport, rport, data_dir = config["port"], config["collector_port"], config["ratings_port"], config["data_dir"]
    journey = [sys.executable, "-m", "journey"]
    spans = f"http://127.0.0.1:{cport}/api/v2/spans"
    return {
        "collector": [*journey, "collector", "--port", str(cport), "--data-dir", data_dir],
        "ratings": [*journey, "ratings", "--port", str(rport), "--zipkin-endpoint", spans],
        "backend": [
            *journey,
            "backend",
            "--port",
            str(port),
            "--data-dir",
            data_dir,
            "--zipkin-endpoint",
            spans,
            "--browser-zipkin-endpoint",
            f"http://localhost:{cport}/api/v2/spans",
            "--viewer-url",
            f"http://localhost:{cport}/zipkin/",
            "--ratings-url",
            f"http://127.0.0.1:{rport}",
        ],
    }


def _in_use(port: int) -> bool:
    """Whether something already listens on the port (binding as the servers will, SO_REUSEADDR)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def _stop(children: dict[str, subprocess.Popen]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + 10
    for child in children.values():
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def run(config: dict) -> int:
    """Start both, wait until both answer /health, print the URLs, and supervise until Ctrl-C."""
    ports = {"backend": config["port"], "collector": config["collector_port"], "ratings": config["ratings_port"]}
    if 0 in ports.values():
        raise SettingError("journey up needs fixed ports (0 is only for the single-service commands)")
    if len(set(ports.values())) < len(ports):
        raise SettingError("--port, --collector-port and --ratings-port must differ")
    busy = [f"{port} ({name})" for name, port in ports.items() if _in_use(port)]
    if busy:
        # checked first: otherwise the servers already there would answer /health for ours
        print(
            f"journey up: port {', '.join(busy)} already in use: is another `make demo` running? "
            "Stop it, or choose other ports (--port, --collector-port, --ratings-port).",
            file=sys.stderr,
        )
        return 1
    children: dict[str, subprocess.Popen] = {}
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        for name, command in child_commands(config).items():
            children[name] = subprocess.Popen(command)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not all(_healthy(port) for port in ports.values()):
            for name, child in children.items():
                if child.poll() is not None:
                    print(f"journey up: the {name} exited with {child.returncode}; stopping", file=sys.stderr)
                    return 1
            if time.monotonic() > deadline:
                print(f"journey up: not ready after {READY_TIMEOUT_S} s; stopping", file=sys.stderr)
                return 1
            time.sleep(0.2)
        print(
            "\nJourney is up:\n"
            f"  app:    http://localhost:{config['port']}/\n"
            f"  traces: http://localhost:{config['collector_port']}/zipkin/\n"
            f"  (ratings service on port {config['ratings_port']})\n"
            "Ctrl-C stops them all.\n",
            flush=True,
        )
        while True:
            for name, child in children.items():
                if child.poll() is not None:
                    print(f"journey up: the {name} exited with {child.returncode}; stopping", file=sys.stderr)
                    return child.returncode or 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(children)
