"""Personal access tokens for the read API (API-1).

- A user makes a token on /account with a name and a lifetime; the secret is shown once and
  never stored: the database keeps its SHA-256 (a token is 256 random bits, so a plain hash
  is enough) and its first characters, to tell tokens apart.
- Every token is read-only (scope "read"): the API has no operation that changes anything.
- A token stops working when it expires, when its user revokes it, and when the account is
  deactivated or its sessions are ended (sign out everywhere, a new password): see
  ``accounts.end_sessions``, which calls ``revoke_all``.
- Every use is in the audit trail without flooding it: one entry per token, client address
  and clock hour ("api.use"), which counts that hour's requests. Each request updates its
  entry and the token's last use in one short transaction, the token's row locked so two
  requests at once both count.

Operations add to the session and flush; the caller commits.
"""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ...extensions import db
from ...models import ApiToken, AuditEvent, User
from .. import audit
from ..errors import DomainError

PREFIX = "bwp_"
SHOWN = 12  # characters of the token kept to name it ("bwp_" and 8 of the secret)
MAX_LENGTH = 200  # longer input is not one of ours: not hashed, not looked up
SCOPE = "read"
LIFETIMES = (30, 90, 180, 365)  # days a user may choose
DEFAULT_LIFETIME = 90
MAX_TOKENS = 20  # open tokens per user
MAX_NAME = 100


class TokenError(DomainError):
    """A token that cannot be made; ``message`` says why."""


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; they were stored in UTC.
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def state(token: ApiToken, at: datetime | None = None) -> str:
    """"active", "revoked" or "expired"."""
    if token.revoked_at is not None:
        return "revoked"
    if aware(token.expires_at) <= (at or now()):
        return "expired"
    return "active"


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too: the page says so)."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def create(user: User, name: str, days: int, at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user``: (the row, the secret to show once)."""
    at = at or now()
    name = " ".join((name or "").split())[:MAX_NAME]
    if not name:
        raise TokenError(_l("Please give the token a name, such as the system that will use it."))
    if days not in LIFETIMES:
        raise TokenError(_l("Please choose one of the listed lifetimes."))
    if not user.active:
        raise TokenError(_l("A deactivated account cannot have tokens."))
    open_tokens = [t for t in tokens_of(user) if state(t, at) == "active"]
    if len(open_tokens) >= MAX_TOKENS:
        raise TokenError(_l("You have %(n)d tokens already. Revoke one you no longer use first.", n=MAX_TOKENS))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:SHOWN], token_hash=token_hash(secret),
                     scope=SCOPE, created_at=at, expires_at=at + timedelta(days=days), last_used_addr="")
    db.session.add(token)
    db.session.flush()
    _record(user, "api.token_create", token, {"expires": token.expires_at.isoformat(), "scope": SCOPE})
    return token, secret


def revoke(user: User, token: ApiToken, at: datetime | None = None) -> None:
    """The user revokes one of their own tokens (another user's is not found: the caller
    loads it with ``own_token``)."""
    if token.user_id != user.id:
        raise TokenError(_l("This token is not yours."))
    if token.revoked_at is None:
        token.revoked_at = at or now()
        db.session.flush()
        _record(user, "api.token_revoke", token)


def own_token(user: User, token_id: int) -> ApiToken | None:
    return db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))


def revoke_all(user: User, at: datetime | None = None) -> None:
    """Every open token of the user stops working (deactivation, sessions ended)."""
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=at or now()).execution_options(synchronize_session="fetch"))


def authenticate(presented: str, at: datetime | None = None) -> ApiToken | None:
    """The active token whose secret this is, its row locked for ``record_use``; None for
    anything else (unknown, expired, revoked, a deactivated account), all alike."""
    if not presented or len(presented) > MAX_LENGTH or not presented.startswith(PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(presented))
                              .with_for_update(of=ApiToken))
    if token is None or state(token, at) != "active" or not token.user.may_sign_in:
        return None
    return token


def _window(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def record_use(token: ApiToken, operation: str, addr: str, at: datetime | None = None) -> None:
    """Count this request in the token's audit entry for this hour and address, and note the
    token's last use. ``operation`` is the API operation's id."""
    at = at or now()
    addr = (addr or "")[:45]
    window = _window(at)
    event = None
    if token.audit_event_id is not None and aware(token.audit_window) == window and token.last_used_addr == addr:
        event = db.session.get(AuditEvent, token.audit_event_id)
    if event is None:
        token.window_requests = 0
        event = _record(token.user, "api.use", token, {})
        db.session.flush()
        token.audit_event_id, token.audit_window = event.id, window
    token.window_requests += 1
    event.changes = {"token": token.prefix, "requests": token.window_requests, "last": at.isoformat(),
                     "last_operation": operation}
    token.last_used_at, token.last_used_addr = at, addr
    db.session.flush()


def _record(user: User, action: str, token: ApiToken, changes: dict | None = None) -> AuditEvent:
    return audit.record(user, action, token, label=f"{token.name} ({token.prefix}…)", changes=changes or {})
