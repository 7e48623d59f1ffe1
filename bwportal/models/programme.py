"""A country programme (TEN-2): its committee name, default language and time zone."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class Programme(db.Model):
    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    committee_short: Mapped[str] = mapped_column(String(40))  # PICC, LKS Bipartit, PC…
    committee_long: Mapped[str] = mapped_column(String(200))
    default_locale: Mapped[str] = mapped_column(String(10), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")

    factories = relationship("Factory", back_populates="programme", lazy="raise")

    def __repr__(self) -> str:
        return f"<Programme {self.name}>"
