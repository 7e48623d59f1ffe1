"""Single-use, expiring links (invitations, password resets).

The token goes out in an e-mail and is never stored: the database keeps its SHA-256, so a
leaked copy holds no working links. A link is claimed by a conditional UPDATE, so two
submissions of the same link (two tabs, a double click) use it once.
"""

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import select, update

from ...extensions import db

MAX_TOKEN_LENGTH = 200  # longer input is not one of ours; do not hash it


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """(token to send, hash to store)."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def find(model, token: str):
    """The row of ``model`` (with a ``token_hash`` column) whose link this is, or None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return db.session.scalar(select(model).where(model.token_hash == token_hash(token)))


def state(row, used_at: str, at: datetime | None = None) -> str:
    """"valid", "used", "revoked", "expired" or "unknown" (no row). ``used_at`` names the
    column that records the link's use."""
    if row is None:
        return "unknown"
    if getattr(row, used_at) is not None:
        return "used"
    if row.revoked_at is not None:
        return "revoked"
    if aware(row.expires_at) <= (at or now()):
        return "expired"
    return "valid"


def claim(model, row_id: int, used_at: str, at: datetime) -> bool:
    """Mark the link used unless it already is (or was revoked); True for the one caller
    that got it."""
    column = getattr(model, used_at)
    return db.session.execute(
        update(model)
        .where(model.id == row_id, column.is_(None), model.revoked_at.is_(None), model.expires_at > at)
        .values({used_at: at})
        .execution_options(synchronize_session="fetch")  # the row in the session shows the use too
    ).rowcount == 1
