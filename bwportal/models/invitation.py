"""An invitation to the portal: a single-use, expiring link that lets a person set their
password and language. Only a hash of the token is stored, so a leaked database holds no
working links."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import enum_column
from .user import Role


class Invitation(db.Model):
    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)  # lower-case
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role, 20))
    locale: Mapped[str] = mapped_column(String(10))
    factory_id: Mapped[int | None] = mapped_column(ForeignKey("factory.id"), index=True)
    buyer_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("buyer_organisation.id"))
    # The programme whose admin (or factory account manager) invited; it manages the account.
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    is_account_manager: Mapped[bool] = mapped_column(default=False)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # the account it created

    factory = relationship("Factory", lazy="joined")
    buyer_organisation = relationship("BuyerOrganisation", lazy="joined")
    programme = relationship("Programme", lazy="joined")
    invited_by = relationship("User", foreign_keys=[invited_by_id], lazy="joined")
