"""`journey`: run the collector, the backend, or both together (`journey up`)."""

from __future__ import annotations

import argparse
import sqlite3
import sys

from .settings import SettingError, add_options, resolve


def run_collector(options: dict) -> int:
    """Start the Zipkin-compatible collector and viewer."""
    from collector import create_app
    from collector.settings import SETTINGS, database_path
    from collector.store import SpanStore

    from .serve import serve

    config = resolve(SETTINGS, options)
    path = database_path(config)
    try:
        SpanStore(path).close()  # create or check the database once, before any worker starts
    except (OSError, sqlite3.DatabaseError) as error:
        print(f"journey collector: cannot open the span database {path}: {error}", file=sys.stderr)
        return 1

    def make_app():
        app = create_app(config)
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

    from backend import telemetry
    from backend.ratings.service import create_ratings_app
    from backend.settings import RATINGS_SETTINGS

    from .serve import serve

    config = resolve(RATINGS_SETTINGS, options)
    provider = telemetry.build_tracer_provider(config)
    trace.set_tracer_provider(provider)
    app = create_ratings_app(config, tracer_provider=provider)
    return serve(lambda: (app, getattr(provider, "shutdown", None)), config["host"], config["port"], "ratings")


def run_up(options: dict) -> int:
    """Start collector and backend as child processes; Ctrl-C stops both."""
    from .up import UP_SETTINGS, run

    return run(resolve(UP_SETTINGS, options))


def run_load(options: dict) -> int:
    """Simulated users running journeys against a running demo."""
    from .load import LOAD_SETTINGS, run

    return run(resolve(LOAD_SETTINGS, options))


def run_check(options: dict) -> int:
    """Workshop checkpoints and shape files against a collector's Zipkin API."""
    from . import check

    return check.run(resolve(check.CHECK_SETTINGS, options), options.get("chapters") or [])


def build_parser() -> argparse.ArgumentParser:
    """The command line, every option generated from the settings tables."""
    from backend.settings import RATINGS_SETTINGS
    from backend.settings import SETTINGS as BACKEND_SETTINGS
    from collector.settings import SETTINGS as COLLECTOR_SETTINGS

    from .check import CHECK_SETTINGS
    from .check import __doc__ as check_doc
    from .load import LOAD_SETTINGS
    from .up import UP_SETTINGS

    parser = argparse.ArgumentParser(prog="journey", description="Journey: a full-stack tracing demo.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, settings, run, summary in (
        ("up", UP_SETTINGS, run_up, "collector, backend and ratings together; Ctrl-C stops them all"),
        ("collector", COLLECTOR_SETTINGS, run_collector, "the Zipkin-compatible collector and trace viewer"),
        ("backend", BACKEND_SETTINGS, run_backend, "the GraphQL API and the built frontend"),
        ("ratings", RATINGS_SETTINGS, run_ratings, "the ratings service the backend calls (slow on purpose)"),
        ("load", LOAD_SETTINGS, run_load, "simulated users running journeys against a running demo"),
        ("check", CHECK_SETTINGS, run_check, "does the newest trace have the shape a workshop chapter expects?"),
    ):
        command = commands.add_parser(name, help=summary, description=summary)
        add_options(command, settings)
        command.set_defaults(run=run, settings=settings)
        if name == "check":
            command.add_argument("chapters", nargs="*", metavar="CHAPTER",
                                 help="chapter numbers or names (none: list them)")
            command.epilog = check_doc.split("\n\n", 1)[1]
            command.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `journey` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    options = {k: v for k, v in vars(args).items() if k not in ("command", "run", "settings")}
    try:
        resolve(args.settings, options)  # report a bad value before anything starts
        return args.run(options)
    except SettingError as error:
        parser.exit(2, f"journey {args.command}: {error}\n")


if __name__ == "__main__":
    sys.exit(main())
