"""Which Enterprise Advisor serves which factory, with history (ended assignments stay)."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class EAAssignment(db.Model):
    __tablename__ = "ea_assignment"
    __table_args__ = (
        # At most one current lead EA per factory.
        Index(
            "uq_ea_assignment_current_lead",
            "factory_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL AND is_lead"),
            postgresql_where=text("ended_at IS NULL AND is_lead"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ea_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    is_lead: Mapped[bool] = mapped_column(default=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    ea = relationship("User", foreign_keys=[ea_id], lazy="joined")
    assigned_by = relationship("User", foreign_keys=[assigned_by_id], lazy="joined")
    factory = relationship("Factory", lazy="joined")
