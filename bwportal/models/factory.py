"""The factory is the tenant; it carries the enterprise data of ENT-1."""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class Factory(db.Model):
    __tablename__ = "factory"
    __table_args__ = (
        CheckConstraint("male_employees >= 0", name="male_employees_not_negative"),
        CheckConstraint("female_employees >= 0", name="female_employees_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    ownership_info: Mapped[str] = mapped_column(Text, default="")
    male_employees: Mapped[int] = mapped_column(Integer, default=0)
    female_employees: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", use_alter=True))
    # Optimistic locking: a stale save is detected, not silently overwritten.
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    programme = relationship("Programme", back_populates="factories", lazy="joined")
    # Loaded when asked for (the organization page, the snapshot), not with every factory a
    # query brings in: most pages never show it, and each load cost a query.
    customers = relationship(
        "BuyerOrganisation", secondary="factory_customer", lazy="select", order_by="BuyerOrganisation.name"
    )
    updated_by = relationship("User", foreign_keys=[updated_by_id], lazy="select")  # the organization page only

    __mapper_args__ = {"version_id_col": version}

    @property
    def total_employees(self) -> int:
        return (self.male_employees or 0) + (self.female_employees or 0)

    def __repr__(self) -> str:
        return f"<Factory {self.name}>"


class FactoryCustomer(db.Model):
    """A brand the factory lists among its customers (ENT-1); buyers may subscribe only then."""

    __tablename__ = "factory_customer"

    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id", ondelete="CASCADE"), primary_key=True)
    buyer_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("buyer_organisation.id", ondelete="CASCADE"), primary_key=True
    )
