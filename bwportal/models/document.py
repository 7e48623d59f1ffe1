"""A rendered document (the PR1 or PR2 as PDF, the IP export as PDF), made by a worker.
A final report keeps its PDF; a draft's is made on request and may be made again."""

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import enum_column


class DocumentStatus(enum.Enum):
    QUEUED = "queued"
    RENDERING = "rendering"
    READY = "ready"
    FAILED = "failed"


class Document(db.Model):
    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "report" or "ip"
    report_id: Mapped[int | None] = mapped_column(ForeignKey("progress_report.id"), index=True)
    locale: Mapped[str] = mapped_column(String(10))
    status: Mapped[DocumentStatus] = mapped_column(enum_column(DocumentStatus, 20), default=DocumentStatus.QUEUED)
    # Requested once the report was final: its content is the final report's, so it is kept,
    # reused for later requests in the same language, and readable by all who read the report.
    final: Mapped[bool] = mapped_column(default=False, server_default=false())
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    stored_name: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")

    requested_by = relationship("User", lazy="joined")
    report = relationship("ProgressReport")
    factory = relationship("Factory")
