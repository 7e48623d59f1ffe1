"""Jobs run inside an app context: in a worker process one app is made once and reused;
in-process (no Redis) they run in the caller's context."""

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
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if current_app:  # already inside the app (in-process run, CLI, tests)
            return func(*args, **kwargs)
        with app().app_context():
            return func(*args, **kwargs)

    return wrapper
