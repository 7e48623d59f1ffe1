"""Service cycles with their assessment report and findings (CYC-1/2), and advisory visits (CYC-3)."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class Cycle(db.Model):
    """A numbered service cycle (CYC-1): it starts with about 100 days of advisory and
    self-diagnosis (``start_date``), then the assessment (``assessment_date``, unknown until
    it is recorded) and the release of its report (``report_release_date``). It runs until
    the factory's next cycle starts."""

    __tablename__ = "cycle"
    __table_args__ = (
        UniqueConstraint("factory_id", "number"),
        CheckConstraint("assessment_date IS NULL OR assessment_date >= start_date", name="assessed_after_start"),
        CheckConstraint("report_release_date IS NULL OR assessment_date IS NOT NULL", name="released_when_assessed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    number: Mapped[int]
    start_date: Mapped[date] = mapped_column(Date)
    assessment_date: Mapped[date | None] = mapped_column(Date)
    report_release_date: Mapped[date | None] = mapped_column(Date)
    lead_assessor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    # Not joined: a cycle's factory is in the session already on most pages, and lists that
    # name it or the lead assessor load them (ip_queries.verification_queue, assessments).
    factory = relationship("Factory", lazy="select")
    lead_assessor = relationship("User", lazy="select")
    findings = relationship("Finding", back_populates="cycle", order_by="Finding.id", lazy="raise")


class Finding(db.Model):
    """One finding of an assessment report."""

    __tablename__ = "finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("cluster.id"))
    compliance_point_id: Mapped[int] = mapped_column(ForeignKey("compliance_point.id"))
    text: Mapped[str] = mapped_column(Text)
    publicly_reported: Mapped[bool] = mapped_column(default=False)
    # The IP item that tracks this finding (created from it, or an earlier item it was merged into).
    ip_item_id: Mapped[int | None] = mapped_column(ForeignKey("ip_item.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    cycle = relationship("Cycle", back_populates="findings", lazy="joined")
    ip_item = relationship("IPItem", back_populates="findings", lazy="select")
    cluster = relationship("Cluster", lazy="joined")
    compliance_point = relationship("CompliancePoint", lazy="joined")


class AdvisoryVisit(db.Model):
    """The EA's log of advisory visits; the factory reads it; an annex of PR1."""

    __tablename__ = "advisory_visit"
    # Whether an item's verification is past due (ip.status.verification_overdue_sql): the
    # factory's visits after a day, at most two of them, from a range of this index.
    __table_args__ = (Index("ix_advisory_visit_factory_date", "factory_id", "visit_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    visit_date: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    ea_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    cycle = relationship("Cycle", lazy="joined")
    ea = relationship("User", lazy="joined")
