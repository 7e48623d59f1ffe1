"""Jobs run inside an app context: in a worker process one app is made once and reused;
in-process (no Redis) they run in the caller's context."""

import functools

from flask import current_app

_app = None


def with_app_context(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if current_app:  # already inside the app (in-process run, CLI, tests)
            return func(*args, **kwargs)
        global _app
        if _app is None:
            from .. import create_app

            _app = create_app()
        with _app.app_context():
            return func(*args, **kwargs)

    return wrapper
