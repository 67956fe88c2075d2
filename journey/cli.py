"""`journey`: run the collector, the backend, or both together (`journey up`).

Each command's settings table and code are imported only when that command runs, so `journey check`
(run in a team's CI against any Zipkin) loads neither Flask nor the backend.
"""

from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys

from common.settings import SettingError, add_options, resolve


def run_collector(options: dict) -> int:
    """Start the Zipkin-compatible collector and viewer, with the workshop room's page."""
    from collector import create_app
    from collector.settings import SETTINGS, database_path
    from collector.store import SpanStore

    from .serve import serve
    from .workshop.room import blueprint as workshop_room

    config = resolve(SETTINGS, options)
    path = database_path(config)
    try:
        SpanStore(path).close()  # create or check the database once, before any worker starts
    except (OSError, sqlite3.DatabaseError) as error:
        print(f"journey collector: cannot open the span database {path}: {error}", file=sys.stderr)
        return 1

    def make_app():
        app = create_app(config, blueprints=[workshop_room()])  # the facilitator's view, /zipkin/workshop
        return app, app.extensions["span_store"].close

    # an in-memory database lives in one process
    workers = 1 if path == ":memory:" else config["workers"]
    return serve(make_app, config["host"], config["port"], "collector", workers=workers)


def run_backend(options: dict) -> int:
    """Start the GraphQL API with the built frontend, tracing installed as the process-wide provider."""
    from opentelemetry import trace

    from backend import create_app, telemetry
    from backend.settings import SETTINGS, database_path

    from .serve import serve

    config = resolve(SETTINGS, options)
    provider = telemetry.build_tracer_provider(config)
    trace.set_tracer_provider(provider)  # the process entry point is the one place that sets it
    try:
        app = create_app(config, tracer_provider=provider)
    except (OSError, sqlite3.DatabaseError) as error:
        print(f"journey backend: cannot open the planner database {database_path(config)}: {error}", file=sys.stderr)
        return 1
    shutdown = getattr(provider, "shutdown", None)  # flushes the spans still queued
    return serve(lambda: (app, shutdown), config["host"], config["port"], "backend")


def run_ratings(options: dict) -> int:
    """Start the ratings service the backend's recommendations call."""
    from opentelemetry import trace

    from common.tracing import build_tracer_provider
    from ratings import __version__, create_app
    from ratings.settings import SETTINGS

    from .serve import serve

    config = resolve(SETTINGS, options)
    provider = build_tracer_provider(config, __version__)
    trace.set_tracer_provider(provider)
    app = create_app(config, tracer_provider=provider)
    return serve(lambda: (app, getattr(provider, "shutdown", None)), config["host"], config["port"], "ratings")


def run_up(options: dict) -> int:
    """Start collector and backend as child processes; Ctrl-C stops both."""
    from .up import UP_SETTINGS, run

    return run(resolve(UP_SETTINGS, options))


def run_load(options: dict) -> int:
    """Simulated users running journeys against a running demo."""
    from .load import LOAD_SETTINGS, run

    return run(resolve(LOAD_SETTINGS, options))


def run_fix(options: dict) -> int:
    """Make, undo or list the workshop's fixes, remembered in the data directory."""
    from .fixes import FIX_SETTINGS, run

    return run(resolve(FIX_SETTINGS, options), options.get("names") or [], options.get("undo") or [])


def run_check(options: dict) -> int:
    """Workshop checkpoints and shape files against a collector's Zipkin API."""
    from . import check

    return check.run(resolve(check.CHECK_SETTINGS, options), options.get("chapters") or [])


# name: (summary, "module:attribute" of its settings table, its run function)
COMMANDS = {
    "up": ("collector, backend and ratings together; Ctrl-C stops them all", "journey.up:UP_SETTINGS", run_up),
    "collector": ("the Zipkin-compatible collector and trace viewer", "collector.settings:SETTINGS", run_collector),
    "backend": ("the GraphQL API and the built frontend", "backend.settings:SETTINGS", run_backend),
    "ratings": ("the ratings service the backend calls (slow on purpose)", "ratings.settings:SETTINGS", run_ratings),
    "load": ("simulated users running journeys against a running demo", "journey.load:LOAD_SETTINGS", run_load),
    "check": (
        "does the newest trace have the shape a workshop chapter expects?",
        "journey.check:CHECK_SETTINGS",
        run_check,
    ),
    "fix": (
        "fix a planted problem, undo the fix, or list them; remembered in the data directory",
        "journey.fixes:FIX_SETTINGS",
        run_fix,
    ),
}


def settings_of(command: str) -> list:
    """The settings table of one command, imported only now."""
    module, _, attribute = COMMANDS[command][1].partition(":")
    return getattr(importlib.import_module(module), attribute)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line; options are generated from the settings table of `command` (every one if None)."""
    parser = argparse.ArgumentParser(prog="journey", description="Journey: a full-stack tracing demo.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (summary, _, run) in COMMANDS.items():
        subparser = commands.add_parser(name, help=summary, description=summary)
        if command not in (None, name):
            continue  # another command's options are not needed, nor its imports
        settings = settings_of(name)
        add_options(subparser, settings)
        subparser.set_defaults(run=run, settings=settings)
        if name == "check":
            from . import check

            subparser.add_argument(
                "chapters", nargs="*", metavar="CHAPTER", help="chapter numbers or names (none: list them)"
            )
            subparser.epilog = check.__doc__.split("\n\n", 1)[1]
            subparser.formatter_class = argparse.RawDescriptionHelpFormatter
        if name == "fix":
            from .fixes import add_arguments

            add_arguments(subparser)
    return parser


def command_in(argv: list[str]) -> str | None:
    """The command named on the command line (its first word that is not an option), if any."""
    return next((word for word in argv if not word.startswith("-")), None)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `journey` console script."""
    argv = sys.argv[1:] if argv is None else argv
    command = command_in(argv)
    parser = build_parser(command if command in COMMANDS else None)
    args = parser.parse_args(argv)
    options = {k: v for k, v in vars(args).items() if k not in ("command", "run", "settings")}
    try:
        resolve(args.settings, options)  # report a bad value before anything starts
        return args.run(options)
    except SettingError as error:
        parser.exit(2, f"journey {args.command}: {error}\n")


if __name__ == "__main__":
    sys.exit(main())
