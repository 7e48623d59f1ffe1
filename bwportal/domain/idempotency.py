"""Saves applied once (issue 19 item 6). A device that saved while offline sends each queued
save with its own key (the ``Idempotency-Key`` header); the server keeps (user, key) with the
first answer's status, in the same transaction as the save, and answers a replay with it
instead of saving again. Keys are per user and expire after a week."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from ..extensions import db
from ..models import IdempotencyKey

KEPT = timedelta(days=7)
_SHAPE = re.compile(r"[A-Za-z0-9_-]{8,64}")


def valid(key: str | None) -> str | None:
    """The key if it has a key's shape (a UUID or similar), else None: a save without a usable
    key is an ordinary save, guarded by its version as before."""
    return key if key and _SHAPE.fullmatch(key) else None


def seen(user, key: str) -> IdempotencyKey | None:
    """This user's earlier use of the key, if any (another user's key is not theirs)."""
    return db.session.scalar(select(IdempotencyKey).filter_by(user_id=user.id, key=key))


def record(user, key: str, target: str, status: int) -> IdempotencyKey:
    """Keep the key with its answer's status, and let this user's old keys go."""
    db.session.execute(delete(IdempotencyKey).where(
        IdempotencyKey.user_id == user.id, IdempotencyKey.created_at < datetime.now(UTC) - KEPT))
    row = IdempotencyKey(user_id=user.id, key=key, target=target[:300], status=status,
                         created_at=datetime.now(UTC))
    db.session.add(row)
    db.session.flush()  # a concurrent replay of the same key waits here, then fails (unique)
    return row


def expire(now: datetime | None = None) -> int:
    """Remove every key older than a week (for a periodic job); returns how many."""
    result = db.session.execute(delete(IdempotencyKey).where(
        IdempotencyKey.created_at < (now or datetime.now(UTC)) - KEPT))
    return result.rowcount or 0
