"""Jobs run inside an app context of their own: in a worker process one app is made once and
reused; in-process (no Redis, the CLI, tests) they use the caller's app, in a new context."""

import functools

from flask import current_app

_app = None


def app():
    """The worker process's app, made on first use."""
    global _app
    if _app is None:
        from .. import create_app

        _app = create_app()
    return _app


def preload() -> None:
    """Make what every job needs before the worker forks its work horses (jobs.worker): the
    app and the PDF engine (WeasyPrint, the bundled fonts, the print templates)."""
    from babel import Locale
    from sqlalchemy.orm import configure_mappers

    from ..extensions import db
    from .documents import warm_up

    with app().app_context() as context:
        configure_mappers()  # else done by each horse's first query
        for code in context.app.config["LOCALES"]:  # dates, numbers and names of every language
            Locale.parse(code).date_formats  # noqa: B018 - loads the locale's data
        warm_up()
        db.engine.dispose()  # no pooled connection may cross a fork


def with_app_context(func):
    """Run ``func`` in an app context of its own, so with a database session of its own, as in
    a worker: called from a request or a command (in-process run, CLI, tests), the job reads
    what is committed, never objects its caller loaded before (a session keeps its objects'
    values after a commit: extensions.db)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        own = current_app._get_current_object() if current_app else app()
        with own.app_context():
            return func(*args, **kwargs)

    return wrapper
