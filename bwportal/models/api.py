"""The read API's tables: personal access tokens, and the feed of changes a brand syncs from."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, FetchedValue, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class ApiToken(db.Model):
    """A personal access token (API-1). Only the SHA-256 of the secret is kept; the first
    characters (``prefix``) name it on the account page and in the audit trail."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(20), default="read")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_addr: Mapped[str] = mapped_column(String(45), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The audit trail keeps one entry per token, client address and hour, counting its
    # requests (domain.people.api_tokens.record_use): these say which entry is open.
    audit_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_event.id", ondelete="SET NULL"))
    audit_window: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    window_requests: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    user = relationship("User", lazy="joined")


class Change(db.Model):
    """One entry of the change feed: an object of a factory was created, changed or removed.

    Written by a session hook (domain.changes) in the transaction of the change itself.
    ``txid`` is the writing transaction's id on PostgreSQL (0 on SQLite, whose writers are
    serialised): the feed is read in (txid, id) order and only below the oldest transaction
    still running, so an entry committed late is never skipped by a cursor.
    """

    __tablename__ = "api_change"
    __table_args__ = (Index("ix_api_change_txid_id", "txid", "id"), Index("ix_api_change_at", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    txid: Mapped[int] = mapped_column(BigInteger, server_default=FetchedValue())
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    factory_id: Mapped[int] = mapped_column(ForeignKey("factory.id"), index=True)
    resource: Mapped[str] = mapped_column(String(30))  # "factory", "cycle", "ip_item", "public_finding", "report"
    object_id: Mapped[int] = mapped_column(Integer)
    removed: Mapped[bool] = mapped_column(default=False)
