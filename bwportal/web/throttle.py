"""Throttling of sign-in and password-reset requests (Flask-Limiter).

Each is limited per account (the e-mail typed, normalised and hashed, so the store keeps no
addresses) and per client address (behind a proxy: see PROXIES). Only refused sign-ins count,
so colleagues signing in from one office address do not lock each other out. The answer to
a refused request depends only on what was typed, never on whether the account exists.

The counts live in REDIS_URL's Redis when it is set (every gunicorn worker counts together),
in memory otherwise. When Redis is down, each process counts in memory and logs it: signing
in keeps working (fail open) rather than locking everyone out.
"""

import hashlib

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from ..domain.people.accounts import normalise_email

# The moving window counts the last minute or hour at each request (no burst at a window's
# edge), and on Redis it uses this process's clock, which the tests can move.
limiter = Limiter(key_func=get_remote_address, strategy="moving-window", key_prefix="bwportal",
                  swallow_errors=True, in_memory_fallback_enabled=True)


def account_key() -> str:
    typed = normalise_email(request.form.get("email", ""))[:254]
    return "account:" + hashlib.sha256(typed.encode()).hexdigest()[:32]


def address_key() -> str:
    return "address:" + (get_remote_address() or "unknown")


def refused(response) -> bool:
    """A sign-in that did not succeed (a 429 is not counted again: it was not tried)."""
    return response.status_code not in (302, 303, 429)


def _setting(name: str):
    return lambda: current_app.config[name]


def sign_in_limits(view):
    view = limiter.shared_limit(_setting("SIGN_IN_LIMIT_PER_ACCOUNT"), scope="sign-in-account",
                                key_func=account_key, methods=["POST"], deduct_when=refused)(view)
    return limiter.shared_limit(_setting("SIGN_IN_LIMIT_PER_ADDRESS"), scope="sign-in-address",
                                key_func=address_key, methods=["POST"], deduct_when=refused)(view)


def password_reset_limits(view):
    """Every request counts: each one may send a mail."""
    view = limiter.shared_limit(_setting("PASSWORD_RESET_LIMIT_PER_ACCOUNT"), scope="reset-account",
                                key_func=account_key, methods=["POST"])(view)
    return limiter.shared_limit(_setting("PASSWORD_RESET_LIMIT_PER_ADDRESS"), scope="reset-address",
                                key_func=address_key, methods=["POST"])(view)


@limiter.request_filter
def _disabled() -> bool:
    return not current_app.config.get("RATELIMIT_ENABLED", True)


def init_app(app) -> None:
    config = app.config
    redis_url = config.get("REDIS_URL") or ""
    config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    if redis_url:
        # A Redis that does not answer costs a request one second, not a hung worker.
        config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1})
    # Flask-Limiter reads RATELIMIT_ENABLED once, at start; this app reads it at each request
    # (the filter below), so the tests can switch throttling on just where they check it.
    wanted = config.get("RATELIMIT_ENABLED", True)
    config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    config["RATELIMIT_ENABLED"] = wanted
