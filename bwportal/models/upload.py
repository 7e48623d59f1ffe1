"""Resumable uploads in progress (issue 19): a file sent in chunks over a link that may drop.

The bytes are kept in storage, one key per chunk (``uploads/<token>/<offset>``), so any web
machine can take the next chunk; this row says how many bytes have arrived. A finished upload
is attached by the form it belongs to (a public response, an IP item) and then removed."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class Upload(db.Model):
    __tablename__ = "upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # random: the URL names it
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))  # for display only
    size: Mapped[int] = mapped_column(Integer)  # announced when created
    received: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)

    @property
    def complete(self) -> bool:
        return self.received == self.size
