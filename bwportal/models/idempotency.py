"""A save sent with an idempotency key (issue 19 item 6): a device that saved while offline
replays its queue when the link returns, perhaps twice (two tabs, a lost answer); the key makes
the server apply each save once and answer a replay with the first answer's status."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_key"
    # Per user: another user's key is another key, never their answer.
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_key_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # The path it was used on: the same key on another page is refused, not replayed.
    target: Mapped[str] = mapped_column(String(300))
    status: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
