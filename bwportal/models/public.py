"""Publicly reported findings answered by the factory (PUB-2), with evidence files."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class PublicResponse(db.Model):
    """The factory's answer to one publicly reported finding; unverified until the EA says so."""

    __tablename__ = "public_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    finding = relationship("Finding", lazy="joined")
    files = relationship("EvidenceFile", back_populates="response", lazy="selectin", order_by="EvidenceFile.id")
    verified_by = relationship("User", foreign_keys=[verified_by_id], lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


class EvidenceFile(db.Model):
    """An uploaded image or PDF, stored outside static under a random name."""

    __tablename__ = "evidence_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("public_response.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    response = relationship("PublicResponse", back_populates="files", lazy="joined")
