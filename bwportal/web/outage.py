"""The database briefly unavailable (a restart, a failover, a dropped connection, a lock
that timed out): the one place that turns it into an answer.

The request's transaction is rolled back, so nothing of it is half written, and the answer
is 503 with Retry-After, in the user's language, never a 500:

- a plain form post gets a page that says nothing was saved and holds everything that was
  posted (with a fresh CSRF token) in a form that sends it again to the same address;
- an HTMX request keeps its form as typed (htmx does not swap it) and gets a banner at the
  top of the page; an HTMX poll gets nothing swapped and simply asks again later;
- any other page says to try again in a moment.

The answer must not ask the database again: it is rendered as a visitor's page (no menu),
in the language already chosen for the request, else the signed-in user's language as their
session cookie remembers it, else the session's or the browser's.
"""

import logging
import sqlite3

from flask import g, make_response, render_template, request, session
from flask_babel import get_locale
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ..extensions import db, htmx, login_manager

log = logging.getLogger(__name__)

RETRY_AFTER = 10  # seconds; a PostgreSQL restart takes a few
# Posted fields that are plumbing, not what the user typed: kept in the form, not shown.
PLUMBING = frozenset({"csrf_token", "version", "next", "next_section", "from"})
# The signed-in user's language, kept in the session cookie for when the account cannot be read.
ACCOUNT_LOCALE = "account_locale"


def is_outage(error: Exception) -> bool:
    """True for errors that say "the database could not do it now; the same request may work
    in a moment" (the transaction is gone), not for errors in the request or the code."""
    if isinstance(error, PoolTimeout):
        return True  # every connection busy
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated or isinstance(error, InterfaceError):
        return True
    if isinstance(error, OperationalError):
        if isinstance(error.orig, sqlite3.OperationalError):  # on SQLite only a busy file, not e.g. "no such table"
            return "locked" in str(error.orig) or "busy" in str(error.orig)
        return True  # PostgreSQL: connection lost, server shutting down, deadlock, serialization, timeout
    return False


def handle(error: Exception):
    if not is_outage(error):
        raise error  # Flask answers it as any other error (500)
    cause = getattr(error, "orig", None) or error  # not the statement's parameters: they may hold what was typed
    log.warning("database unavailable during %s %s: %s: %s", request.method, request.path, type(cause).__name__,
                str(cause).strip()[:500])
    locale = _locale_if_known()
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the session is discarded at teardown anyway
        log.debug("rollback after an outage failed", exc_info=True)
    # Render as a visitor: the signed-in user's attributes would have to be loaded again.
    g._login_user = login_manager.anonymous_user()
    if locale is None:
        g.page_locale = session.get(ACCOUNT_LOCALE)
        get_locale()  # now from the cookie's note, the session or the browser
    posted = request.method not in ("GET", "HEAD", "OPTIONS")
    if htmx:
        response = make_response(render_template("outage/_banner.html", posted=posted), 503)
        if posted:  # a banner above the page; the form keeps what was typed
            response.headers["HX-Retarget"] = "#main"
            response.headers["HX-Reswap"] = "afterbegin show:top"
        else:  # a poll or a partial: swap nothing, it asks again later
            response.headers["HX-Reswap"] = "none"
    else:
        fields = [(name, value) for name, values in request.form.lists() if name != "csrf_token"
                  and "password" not in name for value in values] if posted else []
        shown = [value for name, value in fields if name not in PLUMBING and value.strip()]
        action = request.full_path.rstrip("?")
        response = make_response(render_template(
            "outage/page.html", posted=posted, fields=fields, shown=shown, action=action,
            files_dropped=posted and any(f.filename for f in request.files.values()),
            password_dropped=posted and any("password" in name for name in request.form)), 503)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response


def _locale_if_known():
    """The request's language if it is chosen already or can be chosen without the database."""
    try:
        return get_locale()
    except Exception:
        return None


def _remember_account_locale(response):
    """Note the language a signed-in user's page was given in (no query: only if it was chosen)."""
    user = g.get("_login_user")
    chosen = getattr(g.get("_flask_babel"), "babel_locale", None)
    if chosen is not None and getattr(user, "is_authenticated", False) and session.get(ACCOUNT_LOCALE) != str(chosen):
        session[ACCOUNT_LOCALE] = str(chosen)
    return response


def init_app(app) -> None:
    app.after_request(_remember_account_locale)
    app.register_error_handler(DBAPIError, handle)
    app.register_error_handler(PoolTimeout, handle)
