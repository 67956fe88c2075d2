"""Journey's backend: the conference planner's GraphQL API and the built frontend."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Flask, g
from opentelemetry import trace

from common.settings import resolve

if TYPE_CHECKING:  # imported when an app is built, not when the package is
    import strawberry

    from .fixes import ActiveFixes
    from .ratings_client import RatingsClient

__version__ = "0.1.0"


def create_app(config: dict[str, Any] | None = None, tracer_provider: trace.TracerProvider | None = None) -> Flask:
    """Build the backend; `config` overrides settings, `tracer_provider` defaults to the global one."""
    from . import data, errors, telemetry, web
    from .fixes import ActiveFixes
    from .ratings_client import RatingsClient
    from .schema import build_schema
    from .settings import SETTINGS, database_path

    settings = resolve(SETTINGS, environ={}) | (config or {})
    provider = tracer_provider or trace.get_tracer_provider()
    app = Flask(__name__)
    app.config["JOURNEY"] = settings
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024  # no GraphQL request of this app comes near it

    pool = data.connection_pool(database_path(settings), lambda connect: telemetry.traced_connect(connect, provider))

    def request_db():
        if "db" not in g:
            g.db = pool.acquire()
        return g.db

    @app.teardown_appcontext
    def release_db(_error):
        db = g.pop("db", None)
        if db is not None:
            pool.release(db)

    fixes = ActiveFixes(settings)  # the remembered fixes, followed while the app runs
    ratings = RatingsClient(
        telemetry.http_client(settings["ratings_url"], "ratings", provider), lambda: fixes.current().slow_ratings
    )
    schema = build_schema(telemetry.graphql_extensions(provider, settings))
    errors.quiet_planted_failures()

    @app.errorhandler(413)
    def too_large(_error):
        # in GraphQL's error shape, so the client shows it like any other refusal
        limit = app.config["MAX_CONTENT_LENGTH"]
        return {"errors": [{"message": f"Request body is larger than the limit of {limit} bytes"}]}, 413

    app.add_url_rule("/graphql", view_func=_graphql_view(schema, request_db, fixes, ratings))
    telemetry.instrument_app(app, provider)
    web.init_app(app, settings, fixes)
    return app


def _graphql_view(
    schema: strawberry.Schema, request_db: Callable[[], Any], fixes: ActiveFixes, ratings: RatingsClient
) -> Callable:
    """Strawberry's /graphql view, giving each request a PlannerContext (its database, session and collaborators)."""
    from strawberry.flask.views import GraphQLView

    from common.session import session_id_from, session_id_from_headers

    from .context import PlannerContext

    class PlannerGraphQLView(GraphQLView):
        def get_context(self, request, response):
            # the Flask instrumentation already extracted the baggage when tracing is on; parse it when off
            session_id = session_id_from() or session_id_from_headers(request.headers)
            return PlannerContext(
                db=request_db,
                session_id=session_id,
                fixes=fixes.current(),
                ratings=ratings,
                request=request,
                response=response,
            )

    return PlannerGraphQLView.as_view("graphql", schema=schema, graphql_ide="graphiql")
