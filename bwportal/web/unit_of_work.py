"""The one place a request's changes are committed or rolled back.

A route loads what it needs, then runs its operation inside ``unit_of_work()``: the block
commits when it ends normally and rolls back on any exception, which it lets through. A
``DomainError`` that a route does not catch itself (to show it beside the form that caused
it) becomes the page's message with the error's status (422, 409 or 403), as a fragment for
HTMX and a page otherwise. Routes never call ``commit()`` or ``rollback()``.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import abort, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..domain import idempotency
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


@dataclass(frozen=True)
class Once:
    """What became of a save sent with an idempotency key: 200 saved, 409 a conflict (the
    text changed meanwhile); ``replayed`` when the key was answered before and nothing ran."""

    status: int
    replayed: bool = False


def unit_of_work_once(user, save: Callable[[], None], stale: tuple[type[BaseException], ...]) -> Once:
    """``save()`` in one unit of work, at most once per ``Idempotency-Key`` of this request: a
    save replayed from a device's offline queue (issue 19 item 6) gets its first answer again,
    and a conflict (one of ``stale``) stays a conflict at every replay. Without a key it is an
    ordinary save. Other errors (refusals, an IntegrityError of the save itself) go through."""
    key = idempotency.valid(request.headers.get("Idempotency-Key"))
    earlier = idempotency.seen(user, key) if key else None
    if earlier is not None:
        return _replayed(earlier)
    try:
        with unit_of_work():
            if key:  # first: a concurrent replay of the same key stops here, before saving
                idempotency.record(user, key, request.path, 200)
            save()
    except stale:
        if key:
            try:
                with unit_of_work():
                    idempotency.record(user, key, request.path, 409)
            except IntegrityError:
                pass  # the same key, sent twice at once, was answered already
        return Once(409)
    except IntegrityError:
        earlier = idempotency.seen(user, key) if key else None
        if earlier is None:
            raise
        return _replayed(earlier)  # the same key sent twice at once: the other one saved
    return Once(200)


def _replayed(earlier) -> Once:
    if earlier.target != request.path:
        abort(422)  # a key is one save of one thing
    return Once(earlier.status, replayed=True)


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
