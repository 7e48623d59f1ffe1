"""Catalogues as data (DOMAIN.md): clusters, compliance points, root causes, "raised by".

Each programme has its own catalogue (compliance points follow their cluster), copied from
bwportal/seeds/catalogue.py when the programme is created (domain.catalogues). Seeded rows
carry English names that are also gettext messages, so the Babel catalogues translate them;
``name_translations`` holds a programme admin's own wording per locale, which wins over the
catalogue.
"""

from flask_babel import get_locale, gettext
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class TranslatedName:
    name: Mapped[str]
    name_translations: Mapped[dict]

    @property
    def label(self) -> str:
        locale = get_locale()
        override = (self.name_translations or {}).get(str(locale)) if locale else None
        return override or gettext(self.name)

    def __str__(self) -> str:
        return self.label


class Cluster(TranslatedName, db.Model):
    __tablename__ = "cluster"
    __table_args__ = (UniqueConstraint("programme_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_translations: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    compliance_points = relationship(
        "CompliancePoint", back_populates="cluster", order_by="CompliancePoint.position", lazy="raise"
    )


class CompliancePoint(TranslatedName, db.Model):
    __tablename__ = "compliance_point"
    __table_args__ = (UniqueConstraint("cluster_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("cluster.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_translations: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # Findings on this point are publicly reported (PUB-1) unless the assessor says otherwise.
    publicly_reported: Mapped[bool] = mapped_column(default=False)
    # IP-6: items on this point wait for worker interviews at the next assessment (EA may change it).
    needs_worker_interviews: Mapped[bool] = mapped_column(default=False)

    cluster = relationship("Cluster", back_populates="compliance_points", lazy="joined")


class RootCause(TranslatedName, db.Model):
    __tablename__ = "root_cause"
    __table_args__ = (UniqueConstraint("programme_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_translations: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class RaisedBy(TranslatedName, db.Model):
    """Who put forward an additional (advisory) IP item."""

    __tablename__ = "raised_by"
    __table_args__ = (UniqueConstraint("programme_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_translations: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
