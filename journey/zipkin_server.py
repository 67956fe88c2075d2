"""The real zipkin-server without Docker: its `exec` jar, fetched once with Maven and run with Java.

It is the artifact Zipkin's own quickstart downloads, at the version docker-compose.yml pins
(ZIPKIN_VERSION: tests/test_docker.py holds the Compose file to it), so `journey up --store zipkin`
and the tests' real-Zipkin fixture run the very server the Docker demo runs, storing spans in memory.

The jar is kept in ~/.cache/journey (outside the repository, shared by every checkout); Maven keeps
its own copy in ~/.m2, so a machine downloads it once even when that cache is cleared.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

ZIPKIN_VERSION = "3.4.2"
ARTIFACT = f"io.zipkin:zipkin-server:{ZIPKIN_VERSION}:jar:exec"
JAR_NAME = f"zipkin-server-{ZIPKIN_VERSION}-exec.jar"
JAR_URL = f"https://repo1.maven.org/maven2/io/zipkin/zipkin-server/{ZIPKIN_VERSION}/{JAR_NAME}"
JAVA_MIN = 17  # zipkin-server 3.x runs on Java 17 or newer
INSTALL_JAVA = "apt-get install -y openjdk-17-jre-headless (or any Java 17+ on the PATH)"
INSTALL_MAVEN = "apt-get install -y maven"
# Started in a few seconds on a small, busy machine (C1 compiler only, serial GC), enough for a demo.
# JAVA_OPTS replaces them, as it does for the openzipkin/zipkin image.
JAVA_OPTS = "-Xms64m -Xmx512m -XX:+ExitOnOutOfMemoryError -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
DOWNLOAD_TIMEOUT_S = 900
SERVING = re.compile(r"Serving HTTP at \S+ - (http://[^/\s]+)")  # Armeria's line once it listens


OTEL_MODULE_VERSION = "0.3.0"  # zipkin-otel's module: OTLP/HTTP at /v1/traces on Zipkin's own port
OTEL_MODULE_NAME = f"zipkin-otel-{OTEL_MODULE_VERSION}"  # unpacked: its classes, its jars in lib/
BUILD_OTEL_MODULE = "scripts/build-zipkin-otel-module.sh"  # Maven Central here does not serve io.zipkin.contrib.otel


class ZipkinUnavailable(Exception):
    """Java, Maven or the download is missing; the message says what to install or do."""


def cache_dir() -> Path:
    """Where the jar is kept: $XDG_CACHE_HOME/journey, by default ~/.cache/journey."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "journey"


def java_major(version_output: str) -> int | None:
    """The major version in `java -version`'s output: "17.0.15" → 17, "1.8.0_402" → 8."""
    found = re.search(r'version "(\d+)(?:\.(\d+))?', version_output)
    if not found:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def find_java() -> str:
    """The `java` to run Zipkin with: on the PATH and version 17 or newer."""
    java = shutil.which("java")
    if java is None:
        raise ZipkinUnavailable(
            f"the real Zipkin needs Java {JAVA_MIN} or newer, and there is no `java`: {INSTALL_JAVA}"
        )
    try:
        result = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ZipkinUnavailable(f"`{java} -version` failed ({error}): {INSTALL_JAVA}") from None
    major = java_major(result.stderr + result.stdout)
    if major is None or major < JAVA_MIN:
        found = (result.stderr or result.stdout).strip().splitlines()[:1]
        raise ZipkinUnavailable(
            f"the real Zipkin needs Java {JAVA_MIN} or newer; `{java}` is {found[0] if found else 'unknown'}: "
            f"{INSTALL_JAVA}"
        )
    return java


def fetch_jar(directory: Path | None = None, say=None) -> Path:
    """The pinned zipkin-server jar in `directory` (default cache_dir()), downloaded with Maven the first time."""
    directory = directory or cache_dir()
    jar = directory / JAR_NAME
    if jar.is_file():
        return jar
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ZipkinUnavailable(
            f"zipkin-server {ZIPKIN_VERSION} is not in {directory} yet, and Maven (mvn), which downloads it, "
            f"is missing: {INSTALL_MAVEN} (or download {JAR_URL} into {directory})"
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ZipkinUnavailable(f"cannot create {directory} for the zipkin-server jar: {error}") from None
    if say:
        say(f"downloading zipkin-server {ZIPKIN_VERSION} (about 90 MB) with Maven into {directory}, once")
    # into a directory of its own first: a download cut short never passes for the jar
    with tempfile.TemporaryDirectory(dir=directory, prefix=".download-") as staging:
        command = [mvn, "-q", "-B", "dependency:copy", f"-Dartifact={ARTIFACT}", f"-DoutputDirectory={staging}"]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise ZipkinUnavailable(
                f"Maven did not download {ARTIFACT} within {DOWNLOAD_TIMEOUT_S} s: is Maven Central reachable?"
            ) from None
        downloaded = Path(staging) / JAR_NAME
        if result.returncode != 0 or not downloaded.is_file():
            errors = [line for line in (result.stdout + result.stderr).splitlines() if "ERROR" in line][:3]
            raise ZipkinUnavailable(
                f"Maven could not download {ARTIFACT} (exit {result.returncode}): is Maven Central reachable?\n  "
                + "\n  ".join(errors or [f"`{shlex.join(command)}` wrote no {JAR_NAME}"])
            )
        os.replace(downloaded, jar)
    return jar


def otel_module() -> Path | None:
    """zipkin-otel's module, unpacked, if this machine has it: $JOURNEY_ZIPKIN_OTEL_MODULE, else the
    directory scripts/build-zipkin-otel-module.sh leaves in cache_dir()."""
    named = os.environ.get("JOURNEY_ZIPKIN_OTEL_MODULE")
    module = Path(named) if named else cache_dir() / OTEL_MODULE_NAME
    return module if (module / "lib").is_dir() else None


def server_command(
    java: str,
    jar: Path,
    port: int,
    host: str = "127.0.0.1",
    autocomplete_keys: list[str] | None = None,
    module: Path | None = None,
) -> list[str]:
    """The command line of zipkin-server listening on host:port (0: any free port).

    Zipkin reads its other settings from the environment itself (STORAGE_TYPE, in memory by default;
    ZIPKIN_QUERY_ALLOWED_ORIGINS, STRICT_TRACE_ID, QUERY_LOOKBACK, MEM_MAX_SPANS, AUTOCOMPLETE_KEYS ...).
    `autocomplete_keys` overrides AUTOCOMPLETE_KEYS: the parity tests run Zipkin configured as our collector.
    `module` (zipkin-otel's, unpacked) is loaded the way Zipkin loads any module: its classes and jars on the
    launcher's loader path, its profile active, as the zipkin-otel image does.
    """
    options = shlex.split(os.environ.get("JAVA_OPTS") or JAVA_OPTS)
    keys = [] if autocomplete_keys is None else [f"--AUTOCOMPLETE_KEYS={','.join(autocomplete_keys)}"]
    launch = ["-jar", str(jar)]
    if module is not None:
        launch = [
            f"-Dloader.path={module},{module / 'lib'}",
            "-Dspring.profiles.active=otel",
            "-cp",
            str(jar),
            "org.springframework.boot.loader.launch.PropertiesLauncher",
        ]
    return [
        java,
        *options,
        *launch,
        # Zipkin listens on every interface by default; like our collector, only where asked
        f"--armeria.ports[0].ip={host}",
        f"--armeria.ports[0].port={port}",
        "--armeria.ports[0].protocols[0]=http",
        *keys,
    ]


def listening_url(log: str) -> str | None:
    """The URL in Zipkin's log line saying it serves HTTP, once it is there."""
    found = SERVING.search(log)
    return found.group(1) if found else None
