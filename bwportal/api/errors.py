"""One JSON shape for every error the API answers (RFC 9457 problem details), 400 to 500.

The portal's pages keep their HTML error pages: these handlers are registered on the API's
blueprints only (flask-smorest's app-wide handler is not), plus ``fallback``: a route that
catches every other path under /api/, so an unknown address or method there is JSON too.
"""

from flask import Blueprint, current_app, jsonify, request
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, NotFound, default_exceptions

from ..domain.errors import DomainError
from ..extensions import db

MEDIA_TYPE = "application/problem+json"

# status -> (stable code, message when the error carries none of its own)
MESSAGES = {
    400: ("bad_request", _l("The request could not be understood.")),
    401: ("unauthorized", _l("Send a valid API token: Authorization: Bearer <token>.")),
    403: ("forbidden", _l("Your account may not do this.")),
    404: ("not_found", _l("This does not exist or is not yours to see.")),
    405: ("method_not_allowed", _l("This address does not accept that kind of request.")),
    409: ("conflict", _l("This has changed in the meantime.")),
    422: ("invalid", _l("Some parameters are not valid.")),
    429: ("too_many_requests", _l("Too many requests. Wait a little and try again.")),
    500: ("server_error", _l("Something went wrong. Please try again in a moment.")),
}


class ProblemSchema(Schema):
    """What every error answer holds (documentation: the handlers below write it)."""

    type = fields.String(required=True, metadata={"description": "Always about:blank: the status says the kind."})
    title = fields.String(required=True, metadata={"description": "The status's name, e.g. Not Found."})
    status = fields.Integer(required=True, metadata={"description": "The HTTP status."})
    code = fields.String(required=True, metadata={"description": "A stable code for programs, e.g. not_found."})
    detail = fields.String(required=True, metadata={"description": "What went wrong, in the request's language."})
    errors = fields.Dict(metadata={"description": "Invalid parameters, by location and name (422 only)."})


def problem(status: int, detail=None, errors=None, headers=None):
    code, default = MESSAGES.get(status, MESSAGES[500] if status >= 500 else MESSAGES[400])
    body = {"type": "about:blank", "title": _title(status), "status": status, "code": code,
            "detail": str(detail or default)}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = MEDIA_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    if status == 304:  # flask-smorest's NotModified, should one ever be raised
        return current_app.response_class(status=304)
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    headers = dict(data.get("headers") or {})
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="bwportal"' + (', error="invalid_token"' if _sent_token() else "")
    if status == 429:
        headers.setdefault("Retry-After", "60")
    detail = data.get("message") if status < 500 else None  # a message the API gave (flask_smorest.abort)
    return problem(status, detail, errors, headers)


def _sent_token() -> bool:
    return bool(request.headers.get("Authorization", "").strip())


def handle_domain_error(error: DomainError):
    db.session.rollback()
    return problem(getattr(error, "status", 422), error.message)


def handle_unexpected(error: Exception):
    """Anything else: logged, and a 500 in the one shape, never a traceback."""
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    current_app.logger.exception("API request failed: %s %s", request.method, request.path)
    db.session.rollback()
    return problem(500)


def register(blueprint) -> None:
    """On the blueprint, by code too: Flask asks handlers by code (the app's HTML pages for
    400, 403, 404...) before handlers by class, whichever blueprint registered them."""
    blueprint.register_error_handler(HTTPException, handle_http_exception)
    for code in default_exceptions:
        if code != 500:
            blueprint.register_error_handler(code, handle_http_exception)
    blueprint.register_error_handler(DomainError, handle_domain_error)
    blueprint.register_error_handler(InternalServerError, lambda error: handle_unexpected(
        getattr(error, "original_exception", None) or error))


# --- every other path under /api/ ---------------------------------------------------------------

fallback = Blueprint("api_fallback", __name__, url_prefix="/api")
register(fallback)
ANY = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


@fallback.route("/", methods=ANY, defaults={"rest": ""})
@fallback.route("/<path:rest>", methods=ANY)
def elsewhere(rest: str):
    """An unknown address under /api/ is a JSON 404; a known one asked with another method
    (POST to a read-only list) a JSON 405 that names the methods it accepts."""
    if _readable_elsewhere():
        raise MethodNotAllowed(valid_methods=["GET", "HEAD", "OPTIONS"])  # every API operation reads
    raise NotFound()


def _readable_elsewhere() -> bool:
    """Whether another route answers GET at this path."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, _values = adapter.match(request.path, method="GET")
    except HTTPException:
        return False
    return not endpoint.startswith("api_fallback.")
