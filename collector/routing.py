"""What the collector answers where no view does, as zipkin-server (its framework, Armeria) answers.

- A path nothing serves: 404 `404 Not Found`.
- A method a path does not serve: 404 too, for Armeria routes by method and path together; but under
  /zipkin/, where Zipkin's UI answers whatever its API does not, 405 `405 Method Not Allowed` (for a
  path nothing serves too, unless the method is GET). HEAD on the API, and an OPTIONS that is no CORS
  preflight (cors.py answers those), are such methods. TRACE, anywhere: 405, for Zipkin blocks it.
- Ours alone: 413 for a body past the limit, 503 while the store closes, 500 for a bug (never for bad
  input), each a line saying so.

Error text is plain text without a final newline, as Zipkin's; an answer without a body names no
Content-Type, as Zipkin's does not. Every status line carries Zipkin's reason phrase.
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.http import HTTP_STATUS_CODES

from .store import StoreClosed

ZIPKIN_API_PATHS = ("/api/", "/zipkin/api/")


def text(message: str, status: int) -> Response:
    """An answer of one line of plain text."""
    return Response(message, status=status, mimetype="text/plain")


def empty(status: int) -> Response:
    """An answer without a body, and so without a Content-Type."""
    response = Response(status=status)
    del response.headers["Content-Type"]
    return response


def _is_zipkin_api(path: str) -> bool:
    return path.startswith(ZIPKIN_API_PATHS) or path == "/health"


def not_allowed() -> Response:
    return text("405 Method Not Allowed", 405)


def unserved_method() -> Response:
    """A method this path does not serve: 405 under Zipkin's UI prefix, else 404."""
    return not_allowed() if request.path.startswith("/zipkin/") else text("404 Not Found", 404)


def unserved_path() -> Response:
    """A path nothing serves: 404, or to a method other than GET under the UI prefix, 405."""
    return text("404 Not Found", 404) if request.method == "GET" else unserved_method()


def init_app(app: Flask) -> None:
    """Answer unknown paths and methods as Zipkin does, and failures plainly; Zipkin's status lines."""

    @app.before_request
    def zipkin_methods() -> Response | None:
        if request.method == "TRACE":
            return not_allowed()
        # Flask answers HEAD as GET, and OPTIONS with the methods allowed; Zipkin's API serves neither
        if request.method == "OPTIONS" or (request.method == "HEAD" and _is_zipkin_api(request.path)):
            return unserved_method()
        return None

    @app.after_request
    def zipkin_reason_phrase(response: Response) -> Response:
        # Werkzeug upper-cases reason phrases ("404 NOT FOUND"); Zipkin's server sends "404 Not Found",
        # and Lens shows that text to its user
        phrase = HTTP_STATUS_CODES.get(response.status_code)
        if phrase:
            response.status = f"{response.status_code} {phrase}"
        return response

    app.register_error_handler(404, lambda _error: unserved_path())
    app.register_error_handler(405, lambda _error: unserved_method())

    @app.errorhandler(413)
    def too_large(_error):
        return text(f"Request body is larger than the limit of {app.config['MAX_CONTENT_LENGTH']} bytes", 413)

    @app.errorhandler(StoreClosed)
    def shutting_down(error):
        # a batch that arrives while the collector stops is refused whole, never half stored: retry
        response = text(f"Service unavailable: {error}; retry", 503)
        response.headers["Retry-After"] = "1"
        return response

    @app.errorhandler(500)
    def internal_error(_error):
        # a bug, not bad input: logged with its traceback by Flask; the client gets plain text
        return text("Internal error: see the collector's log", 500)
