"""Who asks: a personal access token sent as ``Authorization: Bearer <token>``.

The API never reads the session cookie, so a page's session cannot be used from another
site's script, and a token never signs anyone in to the pages. Each request is counted in
the token's audit entry (domain.people.api_tokens.record_use), committed before the answer
is made: a request that cannot be recorded is not answered.
"""

import hashlib

from flask import abort, current_app, g, request
from flask_limiter.util import get_remote_address

from ..domain.people import api_tokens
from ..web.throttle import limiter
from ..web.unit_of_work import unit_of_work

READING = {"GET", "HEAD", "OPTIONS"}  # every token is read-only (scope "read")


def presented() -> str:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def authenticate():
    """before_request of the token-protected blueprint: 401 unless a valid token is sent."""
    if request.method == "OPTIONS":
        return None
    with unit_of_work():
        token = api_tokens.authenticate(presented())
        if token is None:
            abort(401)
        if token.scope != api_tokens.SCOPE or request.method not in READING:
            abort(403)
        api_tokens.record_use(token, request.endpoint or "", request.remote_addr or "")
    g.api_token, g.api_user = token, token.user
    return None


def user():
    return g.api_user


def token():
    return g.api_token


def token_key() -> str:
    """The throttle's key: the token presented (hashed, so the store keeps no secrets)."""
    secret = presented()[:api_tokens.MAX_LENGTH]
    return "api-token:" + hashlib.sha256(secret.encode()).hexdigest()[:32] if secret else address_key()


def address_key() -> str:
    return "api-address:" + (get_remote_address() or "unknown")


def _setting(name: str):
    return lambda: current_app.config[name]


# Once per process (the limiter and the blueprints are module-level): per token, and per
# client address for everything under /api/ (open data and the document too).
per_token = limiter.shared_limit(_setting("API_LIMIT_PER_TOKEN"), scope="api-token", key_func=token_key)
per_address = limiter.shared_limit(_setting("API_LIMIT_PER_ADDRESS"), scope="api-address", key_func=address_key)
