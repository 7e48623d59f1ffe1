"""The outbox: every notice (e-mail, reminder) and every job is written here in the same
transaction as the change that causes it, under a unique idempotency key, so a notice is
written once however often its cause is seen, and nothing is lost when Redis is down."""

import enum
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import enum_column


class OutboxStatus(enum.Enum):
    PENDING = "pending"  # waiting to be delivered (again)
    SENDING = "sending"  # claimed by a worker until claimed_until
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry; an operator may retry it


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_available_at", "status", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # (kind, object, recipient, due date): the same notice is never written twice.
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    factory_id: Mapped[int | None] = mapped_column(ForeignKey("factory.id"), index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus, 20), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    available_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set (and committed) just before the SMTP exchange: a lost claim after it means "possibly sent".
    handed_over_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # seen in the portal

    recipient = relationship("User", lazy="joined")
