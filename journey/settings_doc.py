"""docs/settings.md, generated from the settings tables, so the page and `--help` cannot drift apart.

python -m journey.settings_doc > docs/settings.md      (tests/test_settings.py checks it is current)
"""

from __future__ import annotations

from common.settings import format_default

from .cli import COMMANDS, settings_of

INTRO = """# Settings

Every option of every `journey` command, generated from the settings tables the command line is
built from (`python -m journey.settings_doc > docs/settings.md`; a test keeps this page current).
Each option can also be set by its environment variable; an option on the command line wins over
the variable. Standard OpenTelemetry variables come first; the collector reads Zipkin's own
variables where Zipkin has one. `journey <command> --help` prints the same table.
"""

NOTES = {
    "up": "`journey up` passes the environment on to the processes it starts, so every setting of "
    "`journey backend`, `journey collector` and `journey ratings` below works with `make demo` too "
    "(e.g. `JOURNEY_BROWSER_SAMPLE_RATIO=0.5 make demo`). It hands the backend the fixes `journey fix` "
    "remembers (`--fixes-file <data-dir>/fixes.json`), and once up it prints what the demo runs with: the "
    "fixes made and the problems still planted, the samplers, the exporter, the span store.",
    "backend": "The browser reads its settings at run time from the backend's `GET /config.json` (service "
    "name, exporter (zipkin or otlp) and its endpoint, viewer URL, batch delay, sample ratio, the origins that "
    "get trace headers, the session's idle timeout and longest duration); nothing is baked into the build. "
    "Its `demo` part says what the demo runs with, read "
    "afresh on each request: the fixes (each on or off, and whether remembered or set by its switch), the "
    "samplers, the exporter and the span store; the app's footer shows it, and `journey up` prints it.",
    "load": "`journey load --users 20 --duration 600` fills the viewer with journeys shaped like a real "
    "user's; every span it causes, browser side and server side, carries `journey.synthetic=true`. It exits 1 "
    "only when spans were lost, nothing ran, or the share of failed requests passed `--max-error-rate` "
    "(the demo's planted flaky write fails some requests by design).",
    "fix": "`journey fix n-plus-one` fixes the N+1, `journey fix --undo n-plus-one` plants it again, `journey "
    "fix` lists the fixes (`n-plus-one`, `slow-ratings`, `flaky-write`, or `all`). They are remembered in "
    "`<data-dir>/fixes.json`, so they add up across restarts, and a running demo follows them from its next "
    "request. A fix's switch given to the demo (`JOURNEY_FIX_N_PLUS_ONE=true` or `false`, ...) overrides what "
    "is remembered. An unknown fix exits 2 naming the fixes; so does a damaged file, saying how to start afresh.",
    "check": "Exit status: 0 every check passed, 1 a trace lacks its shape, 2 the collector cannot be read "
    "or an argument is wrong. The workshop chapters (`docs/workshop/`) say which check goes with which step.",
}


def table(command: str) -> str:
    """One command's settings as a Markdown table."""
    rows = ["| option | environment variable | default | meaning |", "|---|---|---|---|"]
    for setting in settings_of(command):
        option = f"`{setting.option}`" if setting.option else "—"
        default = "—" if setting.default is None else f"`{format_default(setting.default)}`"
        rows.append(f"| {option} | `{setting.env}` | {default} | {setting.help.replace('|', '/')} |")
    return "\n".join(rows)


def render() -> str:
    """The whole page."""
    parts = [INTRO]
    for command, (summary, _, _) in COMMANDS.items():
        parts.append(f"## `journey {command}`\n\n{summary[0].upper()}{summary[1:]}.\n\n{table(command)}\n")
        if command in NOTES:
            parts.append(NOTES[command] + "\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
