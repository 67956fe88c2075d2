"""Journey's backend: the conference planner's GraphQL API and the built frontend."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from opentelemetry import trace

from journey.settings import resolve

__version__ = "0.1.0"


def create_app(config: dict[str, Any] | None = None, tracer_provider: trace.TracerProvider | None = None) -> Flask:
    """Build the backend; `config` overrides settings, `tracer_provider` defaults to the global one."""
    from strawberry.flask.views import GraphQLView

    from . import data, telemetry, web
    from .schema import build_schema
    from .settings import SETTINGS, database_path

    settings = resolve(SETTINGS, environ={}) | (config or {})
    provider = tracer_provider or trace.get_tracer_provider()
    app = Flask(__name__)
    app.config["JOURNEY"] = settings
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024  # no GraphQL request of this app comes near it

    path = database_path(settings)
    setup = data.open_database(path)
    data.init_database(setup)
    if path == ":memory:":
        shared = setup  # an in-memory database lives only in its one connection

        def connect_plain():
            return shared
    else:
        setup.close()

        def connect_plain():
            return data.open_database(path)

    connect = telemetry.traced_connect(connect_plain, provider)

    def request_db():
        if "db" not in g:
            g.db = connect()
        return g.db

    @app.teardown_appcontext
    def close_db(_error):
        db = g.pop("db", None)
        if db is not None and path != ":memory:":
            db.close()

    class PlannerGraphQLView(GraphQLView):
        def get_context(self, request, response):
            return {"request": request, "response": response, "db": request_db}

    schema = build_schema(telemetry.graphql_extensions(provider, settings))
    app.add_url_rule("/graphql", view_func=PlannerGraphQLView.as_view("graphql", schema=schema, graphql_ide="graphiql"))
    telemetry.instrument_app(app, provider, settings)
    web.init_app(app, settings)
    return app
