"""Training (TRN-1): the programme's course catalogue and sessions, and each factory's
credits and enrolments. The EA keeps it; the factory reads it and asks to register."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .catalogue import TranslatedName
from .types import enum_column


class TrainingCourse(TranslatedName, db.Model):
    """A course of the programme's catalogue (DOMAIN.md); credits are counted in days."""

    __tablename__ = "training_course"
    __table_args__ = (UniqueConstraint("programme_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_translations: Mapped[dict] = mapped_column(JSON, default=dict)
    days: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(default=True)


class TrainingSession(db.Model):
    """A scheduled session of a course that factories can register for."""

    __tablename__ = "training_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    location: Mapped[str] = mapped_column(String(200), default="")
    seats: Mapped[int | None] = mapped_column(Integer)

    course = relationship("TrainingCourse", lazy="joined")


class FactoryTraining(db.Model):
    """A factory's training credits (days) for a cycle; extra days can be bought."""

    __tablename__ = "factory_training"
    __table_args__ = (UniqueConstraint("factory_id", "cycle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    credit_days: Mapped[int] = mapped_column(Integer, default=0)


class EnrolmentStatus(enum.Enum):
    RECOMMENDED = "recommended"  # the EA recommends it ("View Recommended")
    REQUESTED = "requested"  # the factory asks to register; the EA confirms
    REGISTERED = "registered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self):
        return _ENROLMENT_LABELS[self]


_ENROLMENT_LABELS = {
    EnrolmentStatus.RECOMMENDED: _l("Recommended"),
    EnrolmentStatus.REQUESTED: _l("Registration requested"),
    EnrolmentStatus.REGISTERED: _l("Registered"),
    EnrolmentStatus.COMPLETED: _l("Completed"),
    EnrolmentStatus.CANCELLED: _l("Cancelled"),
}


class Enrolment(db.Model):
    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("factory_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(enum_column(EnrolmentStatus, 20))
    participants: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    session = relationship("TrainingSession", lazy="joined")
