"""A country programme (TEN-2): its committee name, default language and time zone."""

from sqlalchemy import JSON, String
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
    # The programme's own wording for report questions, by question path and locale
    # ({"pr1.social_dialogue.q1": {"label": {"en": "…", "km": "…"}, "hidden": false}}).
    question_overrides: Mapped[dict] = mapped_column(JSON, default=dict)
    # The committee's name in other languages ({"km": {"short": "…", "long": "…"}}), issue 19.
    committee_names: Mapped[dict] = mapped_column(JSON, default=dict)

    def committee_short_in(self, locale) -> str:
        """The short name a reader in ``locale`` sees: its own if the programme gave one, else the default."""
        return ((self.committee_names or {}).get(str(locale)) or {}).get("short") or self.committee_short

    def committee_long_in(self, locale) -> str:
        return ((self.committee_names or {}).get(str(locale)) or {}).get("long") or self.committee_long

    factories = relationship("Factory", back_populates="programme", lazy="raise")

    def __repr__(self) -> str:
        return f"<Programme {self.name}>"
