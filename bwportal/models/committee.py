"""The factory's bipartite committee (PICC, LKS Bipartit, PC…): members kept by the EA with
the factory's proposed changes (COM-1), and meetings logged by the factory (COM-2)."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, DateTime, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import enum_column


class MemberRole(enum.Enum):
    WORKER_REP = "worker_rep"
    MANAGEMENT_REP = "management_rep"
    CHAIR = "chair"
    SECRETARY = "secretary"

    @property
    def label(self):
        return {MemberRole.WORKER_REP: _l("Worker representative"),
                MemberRole.MANAGEMENT_REP: _l("Management representative"),
                MemberRole.CHAIR: _l("Chair"), MemberRole.SECRETARY: _l("Secretary")}[self]


class Gender(enum.Enum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"

    @property
    def label(self):
        return {Gender.FEMALE: _l("Woman"), Gender.MALE: _l("Man"), Gender.OTHER: _l("Other")}[self]


class HowChosen(enum.Enum):
    ELECTED = "elected"
    SELECTED = "selected"

    @property
    def label(self):
        return {HowChosen.ELECTED: _l("Elected"), HowChosen.SELECTED: _l("Selected")}[self]


class CommitteeMember(db.Model):
    __tablename__ = "committee_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[MemberRole] = mapped_column(enum_column(MemberRole))
    gender: Mapped[Gender] = mapped_column(enum_column(Gender))
    how_chosen: Mapped[HowChosen] = mapped_column(enum_column(HowChosen))
    since: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)  # set when the member leaves; kept for history

    @property
    def current(self) -> bool:
        return self.until is None or self.until >= date.today()


class ProposalStatus(enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class MemberProposal(db.Model):
    """A change to the members list the factory proposes; the EA accepts or declines it."""

    __tablename__ = "member_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("committee_member.id"))  # None: a new member
    action: Mapped[str] = mapped_column(String(10))  # add, update, remove
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProposalStatus] = mapped_column(enum_column(ProposalStatus), default=ProposalStatus.PENDING)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    member = relationship("CommitteeMember", lazy="joined")


class MeetingAttendee(db.Model):
    __tablename__ = "meeting_attendee"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("committee_meeting.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("committee_member.id"), primary_key=True)


class CommitteeMeeting(db.Model):
    __tablename__ = "committee_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    meeting_date: Mapped[date] = mapped_column(Date)
    key_issues: Mapped[str] = mapped_column(Text, default="")  # issues discussed and follow-up plan
    engagement: Mapped[str] = mapped_column(Text, default="")
    to_improve: Mapped[str] = mapped_column(Text, default="")
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("committee_member.id"))
    union_present: Mapped[bool] = mapped_column(default=False)
    ea_present: Mapped[bool] = mapped_column(default=False)
    externals_present: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    chair = relationship("CommitteeMember", foreign_keys=[chair_id], lazy="joined")
    attendees = relationship("CommitteeMember", secondary="meeting_attendee", lazy="selectin",
                             order_by="CommitteeMember.name")
