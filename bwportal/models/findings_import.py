"""A findings file being imported in the background (CYC-2, issue 17 item 9): the upload is
stored, a worker reads it, and the uploader (or a colleague who may import) previews and
saves the result from its status page."""

import enum
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import enum_column


class FindingsImportStatus(enum.Enum):
    QUEUED = "queued"  # stored, waiting for a worker
    READING = "reading"  # a worker reads the file
    READY = "ready"  # every row is fine: the preview waits to be saved
    REFUSED = "refused"  # the file or some rows have errors: nothing will be saved
    IMPORTED = "imported"  # saved as the report's findings
    FAILED = "failed"  # the worker could not read it at all


class FindingsImport(db.Model):
    __tablename__ = "findings_import"
    __table_args__ = (
        # One import of the same file into the same report as it stands, by the same user: a
        # second upload (a double click, the back button) finds the first (issue 17, one effect).
        Index("uq_findings_import_same_file", "cycle_id", "requested_by_id", "digest", "existing", unique=True,
              sqlite_where=text("status <> 'failed'"), postgresql_where=text("status <> 'failed'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    locale: Mapped[str] = mapped_column(String(10))  # the file's names are matched in this language
    filename: Mapped[str] = mapped_column(String(255), default="")
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the file
    size: Mapped[int] = mapped_column(Integer, default=0)
    existing: Mapped[int] = mapped_column(Integer, default=0)  # the report's findings when uploaded
    stored_name: Mapped[str] = mapped_column(String(100), default="")  # until the worker has read it
    status: Mapped[FindingsImportStatus] = mapped_column(enum_column(FindingsImportStatus, 20),
                                                          default=FindingsImportStatus.QUEUED)
    result: Mapped[dict | None] = mapped_column(JSON)  # findings_import.to_stored
    imported: Mapped[int] = mapped_column(Integer, default=0)  # findings saved
    error: Mapped[str] = mapped_column(Text, default="")  # for operators, never shown
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    cycle = relationship("Cycle", lazy="select")
    requested_by = relationship("User", lazy="select")
