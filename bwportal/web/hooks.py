"""Request plumbing shared by every blueprint: user loading, headers, error pages."""

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import joinedload
from werkzeug.routing import IntegerConverter

from ..domain.audit import REMOTE_ADDR
from ..domain.policy import can
from ..extensions import db, login_manager
from ..forms.fields import ID_MAX
from ..models import User
from .navigation import global_links, navigation

# No inline script or style anywhere: htmx is told not to inject its indicator style.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


# What every page asks of the signed-in user (menus, locale, time zone, tenancy), loaded with it.
SIGNED_IN_USER = (joinedload(User.factory), joinedload(User.buyer_organisation), joinedload(User.programme))


@login_manager.user_loader
def load_user(user_id: str):
    """The session holds "<id>:<session version>" (User.get_id); a session from before the
    user's last "sign out everywhere", new password or deactivation no longer counts."""
    user_key, _, version = (user_id or "").partition(":")
    try:
        user = db.session.get(User, int(user_key), options=SIGNED_IN_USER)
        version = int(version)
    except (TypeError, ValueError):
        return None
    if user is None or not user.may_sign_in or user.session_version != version:
        return None
    return user


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # A page and its HTMX fragment share a URL; caches must keep them apart.
    if request.endpoint != "static":
        response.vary.add("HX-Request")
        response.vary.add("Cookie")
    return response


def _remember_client_address():
    """The audit trail records where an action came from (behind a proxy: see PROXIES)."""
    REMOTE_ADDR.set(request.remote_addr or "")


def _relay_outbox(response):
    """Notices and jobs this request committed go to the workers (or run here without Redis)."""
    from ..domain.notices.outbox import take_committed
    from ..jobs.outbox import relay

    relay(take_committed(db.session()))
    return response


def _error_page(status: int, title, message):
    def handler(error):
        return render_template("error.html", status=status, title=title, message=message), status

    return handler


class IdConverter(IntegerConverter):
    """<int:…> in URLs: a number past what an id can be is no match (404), not a query the
    database refuses (500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def init_app(app) -> None:
    from ..forms.text import CleanRequest

    app.request_class = CleanRequest  # no NUL or other control characters in form fields and queries
    app.url_map.converters["int"] = IdConverter  # before the blueprints add their rules
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    app.before_request(_remember_client_address)
    app.after_request(_security_headers)
    app.after_request(_relay_outbox)
    if app.config.get("PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXIES"], x_proto=app.config["PROXIES"])
    app.jinja_env.globals.update(can=can, navigation=navigation, global_links=global_links,
                                 has_endpoint=lambda endpoint: endpoint in app.view_functions)
    app.register_error_handler(
        404, _error_page(404, _l("Page not found"), _l("This page does not exist or is not yours to see."))
    )
    app.register_error_handler(
        403, _error_page(403, _l("Not allowed"), _l("Your account may not do this."))
    )
    app.register_error_handler(
        405, _error_page(405, _l("Not allowed"), _l("This address does not accept that kind of request."))
    )
    app.register_error_handler(
        CSRFError,
        _error_page(
            400,
            _l("The form has expired"),
            _l("Please go back, reload the page and send the form again."),
        ),
    )
    app.register_error_handler(
        400, _error_page(400, _l("Bad request"), _l("The request could not be understood."))
    )
    app.register_error_handler(
        500,
        _error_page(500, _l("Something went wrong"), _l("Please try again in a moment.")),
    )
    from . import outage

    outage.init_app(app)  # the database briefly unavailable: 503, nothing half written, the input kept
