"""The one place a request's changes are committed or rolled back.

A route loads what it needs, then runs its operation inside ``unit_of_work()``: the block
commits when it ends normally and rolls back on any exception, which it lets through. A
``DomainError`` that a route does not catch itself (to show it beside the form that caused
it) becomes the page's message with the error's status (422, 409 or 403), as a fragment for
HTMX and a page otherwise. Routes never call ``commit()`` or ``rollback()``.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import make_response, render_template
from flask_babel import lazy_gettext as _l

from ..domain.errors import DomainError
from ..extensions import db, htmx


@contextmanager
def unit_of_work() -> Iterator:
    session = db.session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def refused(error: DomainError):
    """The answer to a refusal no route caught: its message, with its status."""
    db.session.rollback()
    status = getattr(error, "status", 422)
    title = _l("This was not done") if status != 409 else _l("This has changed in the meantime")
    if htmx:
        return make_response(render_template("_refused.html", message=error.message, title=title), status)
    return make_response(render_template("error.html", status=status, title=title, message=error.message), status)


def init_app(app) -> None:
    app.register_error_handler(DomainError, refused)
