"""Brands (buyer organisations) and their subscriptions to factories."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import enum_column


class BuyerOrganisation(db.Model):
    __tablename__ = "buyer_organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)

    def __repr__(self) -> str:
        return f"<BuyerOrganisation {self.name}>"


class SubscriptionStatus(enum.Enum):
    REQUESTED = "requested"
    ACTIVE = "active"
    DECLINED = "declined"
    REVOKED = "revoked"

    @property
    def label(self):
        return {SubscriptionStatus.REQUESTED: _l("Requested"), SubscriptionStatus.ACTIVE: _l("Active"),
                SubscriptionStatus.DECLINED: _l("Declined"), SubscriptionStatus.REVOKED: _l("Revoked")}[self]


class Subscription(db.Model):
    __tablename__ = "subscription"
    __table_args__ = (
        UniqueConstraint("buyer_organisation_id", "factory_id"),
        # The admin's list, newest request first, a page at a time (read backwards).
        Index("ix_subscription_requested_at_id", "requested_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_organisation_id: Mapped[int] = mapped_column(ForeignKey("buyer_organisation.id"), index=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    status: Mapped[SubscriptionStatus] = mapped_column(
        enum_column(SubscriptionStatus, 20),
        default=SubscriptionStatus.REQUESTED,
    )
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # When the factory accepted or declined, or the admin revoked, and who.
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # PR-9, PUB-1: what an accepted subscription covers, fixed when it was accepted: cycles
    # numbered from this one on (0: every cycle). Never recomputed from dates, so a cycle
    # recorded later, back-dated or not, takes nothing away (domain.subscriptions).
    first_cycle_number: Mapped[int | None] = mapped_column(Integer)

    buyer_organisation = relationship("BuyerOrganisation", lazy="joined")
    factory = relationship("Factory", lazy="joined")
    requested_by = relationship("User", foreign_keys=[requested_by_id], lazy="joined")
    decided_by = relationship("User", foreign_keys=[decided_by_id], lazy="joined")
