"""Progress reports (PR-1…PR-9): PR1 written by the factory, PR2 by the EA, section by
section, with their workflow evidence and the snapshot frozen at submission."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import enum_column


class ReportKind(enum.Enum):
    PR1 = "pr1"  # written by the factory
    PR2 = "pr2"  # written by the Enterprise Advisor

    @property
    def label(self):
        return {ReportKind.PR1: _l("Progress Report 1"), ReportKind.PR2: _l("Progress Report 2")}[self]


class ReportStatus(enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"  # final: immutable

    @property
    def label(self):
        return {ReportStatus.DRAFT: _l("Draft"), ReportStatus.SUBMITTED: _l("Submitted"),
                ReportStatus.APPROVED: _l("Final")}[self]

    @property
    def css(self) -> str:
        return f"report-{self.value}"


class ProgressReport(db.Model):
    __tablename__ = "progress_report"
    __table_args__ = (
        # One open report of a kind per cycle: a new one only once the previous is final.
        Index("uq_progress_report_open", "cycle_id", "kind", unique=True,
              sqlite_where=text("status <> 'approved'"), postgresql_where=text("status <> 'approved'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    kind: Mapped[ReportKind] = mapped_column(enum_column(ReportKind, 20))
    report_date: Mapped[date] = mapped_column(Date)
    status: Mapped[ReportStatus] = mapped_column(enum_column(ReportStatus, 20), default=ReportStatus.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # PR-8: enterprise data, sections and annexes as they were when submitted.
    snapshot: Mapped[dict | None] = mapped_column(JSON)

    factory = relationship("Factory", lazy="joined")
    cycle = relationship("Cycle", lazy="joined")
    # Asked for by the pages of one report (editor, read view, snapshot); lists of reports (the
    # inbox, a buyer's dashboard) no longer read every section's answers of every report.
    sections = relationship("ReportSection", back_populates="report", lazy="select",
                            order_by="ReportSection.id")

    def answers_by_section(self) -> dict[str, dict]:
        return {s.key: s.answers or {} for s in self.sections}


class ReportSection(db.Model):
    """One section's answers: {question key: {"value": …, "comment": …}}."""

    __tablename__ = "report_section"
    __table_args__ = (UniqueConstraint("report_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_report.id", ondelete="CASCADE"), index=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    report = relationship("ProgressReport", back_populates="sections", lazy="select")  # loaded before its sections
    updated_by = relationship("User", lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class ReportTransition(db.Model):
    """Evidence of every workflow step: who, when, from which state to which, and why."""

    __tablename__ = "report_transition"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_report.id", ondelete="CASCADE"), index=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[ReportStatus] = mapped_column(enum_column(ReportStatus, 20))
    to_status: Mapped[ReportStatus] = mapped_column(enum_column(ReportStatus, 20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    comment: Mapped[str] = mapped_column(Text, default="")

    actor = relationship("User", lazy="joined")


class ReportComment(db.Model):
    """The EA's comment on a section, shown to the factory beside it (PR-7)."""

    __tablename__ = "report_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_report.id", ondelete="CASCADE"), index=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    section_key: Mapped[str] = mapped_column(String(40))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    body: Mapped[str] = mapped_column(Text)

    author = relationship("User", lazy="joined")
