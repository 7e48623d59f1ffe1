"""The audit trail: who did what, when, from where, and what changed."""

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_programme_at", "programme_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # The programme whose admins may read the event (None: not tied to one programme).
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"))
    action: Mapped[str] = mapped_column(String(60))  # "<area>.<verb>", e.g. "factory.create"
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None] = mapped_column()
    object_label: Mapped[str] = mapped_column(String(300), default="")
    # {"field": [before, after]} for edits; other details as plain values.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    remote_addr: Mapped[str] = mapped_column(String(45), default="")

    actor = relationship("User", lazy="joined")
