"""The versioned read API (API-1): ``/api/v1/`` with personal access tokens, an OpenAPI 3.1
document generated from the code (flask-smorest, marshmallow), and the Transparency Portal's
open data.

- v1: the token-protected operations; errors: one JSON shape; pagination: cursors;
  caching: ETags; auth: the bearer token; schemas: every answer's schema; open_data: JSON
  and CSV without a token; docs: the document and its HTML reference.
- The API reads through the same scoping (blueprints.scoping, domain.tenancy), policy and
  domain queries as the pages; it has no rule of its own about who sees what.
"""

from flask_smorest import Api as SmorestApi

from .errors import MEDIA_TYPE, ProblemSchema

DESCRIPTION = """Read the data of the factories your account may see: the same data, for the same
people, as the portal's pages. Make a personal access token on your account page (/account) and
send it as `Authorization: Bearer <token>`. Lists are read a page at a time: pass a page's
`next_cursor` as `?cursor=`. Every JSON answer carries an ETag: send it back as `If-None-Match`
and an unchanged answer is a 304 without a body. Errors are problem details (RFC 9457) with a
stable `code`. Times are ISO 8601 in UTC with their zone; dates are ISO 8601.

To sync: read /factories and, per factory, its lists once; then ask /changes?since=<when you
started> and, from then on, /changes?cursor=<the next_cursor you kept>.
"""


class Api(SmorestApi):
    """flask-smorest, with the portal's own error handling: its app-wide handler would turn
    every HTML error page of the portal into JSON, so the API's handlers sit on its own
    blueprints (api.errors), and its error answers are documented as problem details."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        super()._register_responses()
        components = self.spec.components
        for response in (*components.responses.values(), *components.responses_lazy.values()):
            content = response.get("content")
            if content and "application/json" in content:
                content[MEDIA_TYPE] = content.pop("application/json")


def init_app(app) -> None:
    from ..domain import changes  # noqa: F401 - the change feed's session hook
    from ..extensions import csrf
    from . import docs, errors, open_data, schemas, v1

    app.config.setdefault("API_TITLE", "Better Work portal API")
    app.config.setdefault("API_VERSION", "1.0")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", None)  # served by api.docs, with its HTML reference
    app.config.setdefault("API_SPEC_OPTIONS", {"info": {"description": DESCRIPTION}})
    api = Api(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                       "description": "A personal access token (bwp_…)."})
    api.spec.components.response("PDF_QUEUED", {
        "description": "Accepted: a worker is making the PDF; ask again after Retry-After seconds.",
        "content": {"application/json": {"schema": schemas.PdfQueued}}})
    api.register_blueprint(v1.bp)
    api.register_blueprint(open_data.bp)
    app.register_blueprint(docs.bp)
    app.register_blueprint(errors.fallback)
    csrf.exempt(errors.fallback)  # a POST under /api/ is a JSON 405, not a form without its token
    app.extensions["bwportal_api"] = api
