"""The Improvement Plan: items (IP-1) and their one timeline (IP-9)."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text, event, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import enum_column


class IPStatus(enum.Enum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    DELAYED = "delayed"
    COMPLETED = "completed"

    @property
    def label(self):
        return _STATUS_LABELS[self]

    @property
    def css(self) -> str:
        return f"status-{self.value.replace('_', '-')}"

    @property
    def is_open(self) -> bool:
        return self is not IPStatus.COMPLETED


_STATUS_LABELS = {
    IPStatus.PENDING: _l("Pending"),
    IPStatus.IN_PROGRESS: _l("In Progress"),
    IPStatus.DELAYED: _l("Delayed"),
    IPStatus.COMPLETED: _l("Completed"),
}


class Origin(enum.Enum):
    ASSESSMENT = "assessment"  # a finding of a Better Work assessment
    ADVISORY = "advisory"  # put forward during advisory (self-diagnosis, management, workers, EA)

    @property
    def label(self):
        return _ORIGIN_LABELS[self]


_ORIGIN_LABELS = {Origin.ASSESSMENT: _l("Assessment"), Origin.ADVISORY: _l("Advisory")}


class IPItem(db.Model):
    __tablename__ = "ip_item"
    __table_args__ = (
        # A Completed item always says when, and which EA verified it.
        CheckConstraint(
            "status <> 'completed' OR (completion_date IS NOT NULL AND completed_by_id IS NOT NULL)",
            name="completed_has_date_and_verifier",
        ),
        Index("ix_ip_item_factory_status", "factory_id", "status"),
        # The dashboards count items by status, target date, factory, cluster and cycle from
        # this index alone (an index-only scan), not from the wide rows; led by status and target
        # date, the Delayed items are two ranges of it (DASH-1).
        Index("ix_ip_item_figures", "status", "target_date", "factory_id", "cluster_id", "cycle_id"),
        # The programme dashboard counts a programme's items by status and cluster (and its
        # advisors' Delayed items by factory) from this range alone: through factory_id every
        # one of 410,000 items was matched against the programme's factories (DASH-1, issue 21).
        Index("ix_ip_item_programme_figures", "programme_id", "status", "cluster_id", "target_date", "factory_id"),
        # The EAs' verification queues (IP-7): a few items per factory, among hundreds of thousands.
        Index("ix_ip_item_awaiting_verification", "factory_id",
              sqlite_where=text("remediation_reported_at IS NOT NULL AND status <> 'completed'"),
              postgresql_where=text("remediation_reported_at IS NOT NULL AND status <> 'completed'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    # The factory's programme (a factory never changes programme), so that a programme's
    # figures read a range of an index rather than look up every item's factory; set from the
    # factory when the item is made (``_programme_of_factory`` below if the caller did not).
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    origin: Mapped[Origin] = mapped_column(enum_column(Origin))
    advisory_visit_id: Mapped[int | None] = mapped_column(ForeignKey("advisory_visit.id"))
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("raised_by.id"))

    area_of_improvement: Mapped[str] = mapped_column(Text, default="")
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id"))
    compliance_point_id: Mapped[int | None] = mapped_column(ForeignKey("compliance_point.id"))
    root_cause_id: Mapped[int | None] = mapped_column(ForeignKey("root_cause.id"))
    root_cause_description: Mapped[str] = mapped_column(Text, default="")
    actions_needed: Mapped[str] = mapped_column(Text, default="")
    lead_person: Mapped[str] = mapped_column(String(200), default="")
    additional_persons: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[IPStatus] = mapped_column(enum_column(IPStatus), default=IPStatus.PENDING)
    progress: Mapped[str] = mapped_column(Text, default="")
    no_progress: Mapped[bool] = mapped_column(default=False)  # then ``progress`` gives the reason
    key_work_ahead: Mapped[str] = mapped_column(Text, default="")
    target_date: Mapped[date | None] = mapped_column(Date)
    completion_date: Mapped[date | None] = mapped_column(Date)

    publicly_reported: Mapped[bool] = mapped_column(default=False)
    needs_worker_interviews: Mapped[bool] = mapped_column(default=False)
    # Open item of an earlier cycle not repeated in the newest assessment: review with the committee.
    review_with_committee: Mapped[bool] = mapped_column(default=False)
    # IP-8, 002 §3.3: the EA's review with the committee of an item not repeated: how effective
    # the grievance mechanism is, and the enhancements made (or why none were needed).
    grievance_mechanism_review: Mapped[str] = mapped_column(Text, default="", server_default="")
    grievance_enhancement: Mapped[str] = mapped_column(Text, default="", server_default="")

    # IP-7: the factory reports the item remediated; it waits in the EA's verification queue.
    remediation_reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    remediation_note: Mapped[str] = mapped_column(Text, default="")

    # IP-5: the three checks the EA records before Completed.
    check_committee_agrees: Mapped[bool] = mapped_column(default=False)
    check_evidence_reviewed: Mapped[bool] = mapped_column(default=False)
    check_root_causes_followed: Mapped[bool] = mapped_column(default=False)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    cycle = relationship("Cycle", lazy="joined")
    # The assessment findings this item tracks: the one it came from, and repeats merged into it.
    findings = relationship("Finding", back_populates="ip_item", order_by="Finding.id", lazy="raise")
    advisory_visit = relationship("AdvisoryVisit", lazy="joined")
    raised_by = relationship("RaisedBy", lazy="joined")
    cluster = relationship("Cluster", lazy="joined")
    compliance_point = relationship("CompliancePoint", lazy="joined")
    root_cause = relationship("RootCause", lazy="joined")
    completed_by = relationship("User", foreign_keys=[completed_by_id], lazy="joined")
    events = relationship("IPEvent", back_populates="item", order_by="IPEvent.id", lazy="raise")

    __mapper_args__ = {"version_id_col": version}


@event.listens_for(IPItem, "before_insert")
def _programme_of_factory(_mapper, connection, item) -> None:
    """An item made without its programme gets its factory's (one query; domain.ip.operations
    sets it from the factory it has in hand)."""
    if item.programme_id is None:
        item.programme_id = connection.scalar(text("SELECT programme_id FROM factory WHERE id = :id"),
                                              {"id": item.factory_id})


class EventKind(enum.Enum):
    CREATED = "created"
    FIELD = "field"  # a field changed: field, old_value, new_value
    STATUS = "status"  # status changed: old_value, new_value
    MERGED = "merged"  # a repeated finding of a newer assessment merged into this item (body: comment)
    ASSESSOR_COMMENT = "assessor_comment"
    COMMENT = "comment"
    REMEDIATION_REPORTED = "remediation_reported"
    VERIFICATION_RETURNED = "verification_returned"
    REVIEW_FLAGGED = "review_flagged"  # not repeated in the newest assessment
    EVIDENCE = "evidence"  # the factory attached files (body: the progress they show)

    @property
    def label(self):
        return _KIND_LABELS[self]


_KIND_LABELS = {
    EventKind.CREATED: _l("Created"),
    EventKind.FIELD: _l("Changed"),
    EventKind.STATUS: _l("Status changed"),
    EventKind.MERGED: _l("Merged with a repeated finding"),
    EventKind.ASSESSOR_COMMENT: _l("Lead assessor's comment"),
    EventKind.COMMENT: _l("Comment"),
    EventKind.REMEDIATION_REPORTED: _l("Reported remediated"),
    EventKind.VERIFICATION_RETURNED: _l("Returned by the Enterprise Advisor"),
    EventKind.REVIEW_FLAGGED: _l("Not repeated in the new assessment: review with the committee"),
    EventKind.EVIDENCE: _l("Evidence added"),
}


class IPEvent(db.Model):
    """One entry of an item's timeline: field changes, status, merges, comments."""

    __tablename__ = "ip_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("ip_item.id", ondelete="CASCADE"), index=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: the system (daily job)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    field: Mapped[str | None] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    # A lead assessor's comment: the assessment (cycle) whose report it goes with (002 §3.4.1).
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycle.id"), index=True)

    item = relationship("IPItem", back_populates="events", lazy="raise")
    cycle = relationship("Cycle", lazy="select")
    actor = relationship("User", lazy="joined")


class IPItemFile(db.Model):
    """Evidence the factory attached to an IP item (issue 19, 002 §3.1: the documents the
    committee reviewed), kept in storage under a random key, shown to the EA verifying it."""

    __tablename__ = "ip_item_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("ip_item.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("ip_event.id", ondelete="SET NULL"))
    storage_key: Mapped[str] = mapped_column(String(120), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    uploaded_by = relationship("User", lazy="joined")
    event = relationship("IPEvent", lazy="select")
