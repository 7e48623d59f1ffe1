"""People who sign in. A user's role decides which factories it may see (domain.tenancy)."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, false, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import enum_column


class Role(enum.Enum):
    FACTORY = "factory"
    EA = "ea"
    ASSESSOR = "assessor"
    BUYER = "buyer"
    ADMIN = "admin"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.FACTORY: _l("Factory"),
    Role.EA: _l("Enterprise Advisor"),
    Role.ASSESSOR: _l("Assessor"),
    Role.BUYER: _l("Buyer"),
    Role.ADMIN: _l("Programme admin"),
}


class User(db.Model):
    __tablename__ = "user"
    # Each role belongs to exactly the kind of organisation it works for.
    __table_args__ = (
        CheckConstraint(
            "(role = 'factory' AND factory_id IS NOT NULL)"
            " OR (role = 'buyer' AND buyer_organisation_id IS NOT NULL)"
            " OR (role IN ('ea', 'assessor', 'admin') AND programme_id IS NOT NULL)",
            name="role_has_organisation",
        ),
        # Sign-in, password reset and invitations find a user by lower(email): without this
        # index each of them read every user (27,000 in bench/load.py's programme).
        Index("ix_user_lower_email", text("lower(email)")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[Role] = mapped_column(
        enum_column(Role, 20)
    )
    locale: Mapped[str | None] = mapped_column(String(10))
    factory_id: Mapped[int | None] = mapped_column(ForeignKey("factory.id"), index=True)
    buyer_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("buyer_organisation.id"), index=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # A factory user who may invite and deactivate the factory's own users.
    is_account_manager: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Part of the session's user id (get_id): raising it ends every session of the user at
    # their next request (sign out everywhere, a new password, deactivation). Sessions are
    # signed cookies, so the number need not be secret.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # A buyer's weekly digest e-mail of the factories followed: off unless the buyer turns it on.
    weekly_digest: Mapped[bool] = mapped_column(default=False, server_default=false())

    # Loaded with the signed-in user (web.SIGNED_IN_USER) and by the lists that name them, not
    # wherever a user is joined as somebody's author, editor or verifier.
    factory = relationship("Factory", foreign_keys=[factory_id], lazy="select")
    buyer_organisation = relationship("BuyerOrganisation", lazy="select")
    programme = relationship("Programme", lazy="select")

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def may_sign_in(self) -> bool:
        """An active account, and for a factory user an active factory (issue 17 item 8):
        deactivating a factory shuts its people out of sign-in, sessions and the API."""
        return bool(self.active and (self.factory is None or self.factory.active))

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version or 0}"

    @property
    def home_programme(self):
        """The programme whose settings (committee name, time zone) frame this user's pages."""
        if self.factory is not None:
            return self.factory.programme
        return self.programme

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"
