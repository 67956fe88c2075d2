"""`journey up`: the span store, the ratings service and the backend as child processes, stopped together.

The span store is our collector, or with --store zipkin the real zipkin-server (journey/zipkin_server.py)
in its place, with the app's links pointing at Zipkin's UI, as the Docker demo runs it.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from backend.fixes import FIXES_FILE, FixesFileError, read_remembered
from common.settings import Setting, SettingError, parse_choice, parse_port

from .demo_status import OTLP_SPANS, ZIPKIN_SPANS, describe, read_demo_status
from .fixes import AFRESH
from .zipkin_server import ZIPKIN_VERSION, ZipkinUnavailable, fetch_jar, find_java, server_command

STORES = ("journey", "zipkin")

UP_SETTINGS = [
    Setting("port", "JOURNEY_PORT", 8000, "port of the app (backend + frontend)", "--port", parse_port),
    Setting(
        "collector_port",
        "JOURNEY_COLLECTOR_PORT",
        9411,
        "port of the collector and viewer (of Zipkin, with --store zipkin)",
        "--collector-port",
        parse_port,
    ),
    Setting("ratings_port", "JOURNEY_RATINGS_PORT", 8001, "port of the ratings service", "--ratings-port", parse_port),
    Setting("data_dir", "JOURNEY_DATA_DIR", ".journey", "directory for the database files", "--data-dir"),
    Setting(
        "store",
        "JOURNEY_STORE",
        "journey",
        f"where the spans go: journey (our collector and viewer) or zipkin (the real zipkin-server "
        f"{ZIPKIN_VERSION}, spans in memory; needs Java 17, and Maven to download it once)",
        "--store",
        parse_choice(*STORES),
    ),
    Setting(
        "exporter",
        "JOURNEY_EXPORTER",
        "zipkin",
        "how the backend, the ratings service and the browser send their spans: zipkin (Zipkin v2 JSON) or otlp "
        "(OTLP/HTTP to the collector's /v1/traces; needs --store journey)",
        "--exporter",
        parse_choice("zipkin", "otlp"),
    ),
]

READY_TIMEOUT_S = {"journey": 30, "zipkin": 120}  # a JVM on a busy laptop takes its time
RELEASE_TIMEOUT_S = 5.0  # a demo stopped just before may take a few seconds to let its ports go
OTHER_PORTS = "choose other ports (--port, --collector-port, --ratings-port)"


def child_commands(config: dict, zipkin: list[str] | None = None) -> dict[str, list[str]]:
    """The child command lines: the span store (our collector, or the real Zipkin run by the command
    `zipkin`), then ratings and the backend exporting to it, with the app's links to its UI."""
    port, cport, rport, data_dir = config["port"], config["collector_port"], config["ratings_port"], config["data_dir"]
    journey = [sys.executable, "-m", "journey"]
    spans = f"http://127.0.0.1:{cport}/api/v2/spans"
    store = (
        {"zipkin": zipkin}
        if zipkin
        else {"collector": [*journey, "collector", "--port", str(cport), "--data-dir", data_dir]}
    )
    # with --exporter otlp every side posts OTLP/HTTP to the collector's /v1/traces instead
    otlp = ["--traces-exporter", "otlp", "--otlp-endpoint", f"http://127.0.0.1:{cport}"]
    browser_otlp = ["--browser-exporter", "otlp", "--browser-otlp-endpoint", f"http://localhost:{cport}/v1/traces"]
    exporting = otlp if config.get("exporter") == "otlp" else []
    return {
        **store,
        "ratings": [*journey, "ratings", "--port", str(rport), "--zipkin-endpoint", spans, *exporting],
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
            # Zipkin's UI has no journey page: "Open my journey" becomes a search by session.id
            "--viewer-kind",
            "zipkin" if zipkin else "journey",
            "--ratings-url",
            f"http://127.0.0.1:{rport}",
            # the fixes `journey fix` remembers, followed while the demo runs
            "--fixes-file",
            str(Path(data_dir) / FIXES_FILE),
            *exporting,
            *(browser_otlp if exporting else []),
        ],
    }


def zipkin_command(port: int) -> list[str]:
    """The real Zipkin's command line, its jar downloaded first if need be (ZipkinUnavailable: what is missing)."""
    java = find_java()
    jar = fetch_jar(say=lambda message: print(f"journey up: {message}", file=sys.stderr, flush=True))
    # Zipkin's own defaults, as docker-compose.yml runs it: no AUTOCOMPLETE_KEYS. With session.id among
    # them, Zipkin's UI turns the app's search by session.id into "session.id=... and " (an empty
    # term), which matches nothing.
    return server_command(java, jar, port)


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


def held_ports(ports: dict[str, int], timeout_s: float = RELEASE_TIMEOUT_S) -> tuple[list[str], list[str]]:
    """The ports not free, as "8001 (ratings)": (those a running server answers /health on, at once;
    those still held after `timeout_s` with nothing answering: a demo still stopping, or another program)."""
    deadline = time.monotonic() + timeout_s
    while True:
        held = {name: port for name, port in ports.items() if _in_use(port)}
        answering = [f"{port} ({name})" for name, port in held.items() if _healthy(port)]
        if not held or answering or time.monotonic() > deadline:
            return answering, [] if answering else [f"{port} ({name})" for name, port in held.items()]
        time.sleep(0.2)


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


def running_with(config: dict, zipkin: bool) -> list[str]:
    """What the demo runs with, as the backend says (its /config.json); the exporter alone if it cannot say."""
    store = (
        f"the real Zipkin {ZIPKIN_VERSION}, spans in memory"
        if zipkin
        else f"Journey's collector, spans in {Path(config['data_dir']) / 'spans.db'}"
    )
    try:
        return describe(read_demo_status(f"http://127.0.0.1:{config['port']}"), store)
    except (OSError, ValueError, KeyError) as error:
        sent = OTLP_SPANS if config["exporter"] == "otlp" else ZIPKIN_SPANS
        return [f"  spans:    {sent}", f"  store:    {store}", f"  (the rest unknown: /config.json: {error})"]


def run(config: dict) -> int:
    """Start them all, wait until each answers /health, print the URLs, and supervise until Ctrl-C."""
    store = "zipkin" if config["store"] == "zipkin" else "collector"
    ports = {"backend": config["port"], store: config["collector_port"], "ratings": config["ratings_port"]}
    if 0 in ports.values():
        raise SettingError("journey up needs fixed ports (0 is only for the single-service commands)")
    if len(set(ports.values())) < len(ports):
        raise SettingError("--port, --collector-port and --ratings-port must differ")
    if store == "zipkin" and config["exporter"] == "otlp":
        raise SettingError(
            f"--exporter otlp needs --store journey: zipkin-server {ZIPKIN_VERSION} has no OTLP receiver "
            "without the zipkin-otel module"
        )
    try:
        read_remembered(Path(config["data_dir"]) / FIXES_FILE)  # damaged: said before anything starts
    except FixesFileError as error:
        raise SettingError(f"{error}\n  {AFRESH}") from None
    # checked first: otherwise the servers already there would answer /health for ours
    running, stuck = held_ports(ports)
    if running:
        print(
            f"journey up: port {', '.join(running)} already in use: a server answers /health there; is another "
            f"`make demo` running? Stop it, or {OTHER_PORTS}.",
            file=sys.stderr,
        )
        return 1
    if stuck:
        print(
            f"journey up: port {', '.join(stuck)} still held after {RELEASE_TIMEOUT_S:g} s, and nothing answers "
            f"there: a demo still stopping, or another program. Try again in a moment, or {OTHER_PORTS}.",
            file=sys.stderr,
        )
        return 1
    zipkin = None
    if store == "zipkin":
        try:
            zipkin = zipkin_command(config["collector_port"])
        except ZipkinUnavailable as error:
            print(f"journey up --store zipkin: {error}", file=sys.stderr)
            return 1
    children: dict[str, subprocess.Popen] = {}
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        for name, command in child_commands(config, zipkin).items():
            children[name] = subprocess.Popen(command)
        timeout = READY_TIMEOUT_S[config["store"]]
        deadline = time.monotonic() + timeout
        while not all(_healthy(port) for port in ports.values()):
            for name, child in children.items():
                if child.poll() is not None:
                    print(f"journey up: the {name} exited with {child.returncode}; stopping", file=sys.stderr)
                    return 1
            if time.monotonic() > deadline:
                print(f"journey up: not ready after {timeout} s; stopping", file=sys.stderr)
                return 1
            time.sleep(0.2)
        print(
            "\nJourney is up:\n"
            f"  app:      http://localhost:{config['port']}/\n"
            f"  traces:   http://localhost:{config['collector_port']}/zipkin/\n"
            f"  (ratings service on port {config['ratings_port']})\n"
            "It runs with:\n" + "\n".join(running_with(config, zipkin is not None)) + "\n"
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
