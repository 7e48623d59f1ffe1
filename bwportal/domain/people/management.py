"""People: invitations, accounts and who may manage them (ROLE-5).

A programme admin invites anyone of the programme (factory users, advisors, assessors,
admins, buyers); a factory's account manager invites and deactivates the factory's own
users.

Buyers (issue 17 item 5): brands are global, programmes are not. A programme admin invites
people only of a brand that one of the programme's factories lists among its customers, and
the account reads that programme's factories only (tenancy), so no role of one programme
grants access to another programme's data. An account of no programme (the operator's, for a
brand's head office) reads every factory of its brand; every programme whose factories it
reads sees it in its people list and may deactivate it.

An invitation is a single-use, expiring link; accepting it creates the account with the
password and language the person chooses. Nobody is deleted: a deactivated account
cannot sign in and its records stay attributed to it.
"""

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import Factory, FactoryCustomer, Invitation, Role, Subscription, SubscriptionStatus, User
from .. import audit
from ..errors import DomainError
from ..policy import can
from . import tokens
from .accounts import end_sessions, find_user_by_email, hash_password, normalise_email

PASSWORD_MIN = 10
PASSWORD_MAX = 1024


class PeopleError(DomainError, ValueError):
    """A refused change, with a message for the user."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


_now = tokens.now
token_hash = tokens.token_hash


# --- who manages whom --------------------------------------------------------------------

def is_programme_admin(user, programme_id: int) -> bool:
    return can(user, "admin.manage") and user.programme_id == programme_id


def may_manage_factory_people(user, factory: Factory) -> bool:
    """The programme's admins, and the factory's own account managers."""
    if is_programme_admin(user, factory.programme_id):
        return True
    return can(user, "people.manage") and user.factory_id == factory.id


def may_manage_user(actor, user: User) -> bool:
    if user.factory is not None:
        return may_manage_factory_people(actor, user.factory)
    if user.programme_id is None:  # a brand-wide buyer: every programme whose factories it reads
        return (can(actor, "admin.manage") and actor.programme_id is not None and db.session.scalar(
            programme_users(actor.programme_id).where(User.id == user.id).with_only_columns(User.id)) is not None)
    return is_programme_admin(actor, user.programme_id)


def brands_served(programme_id: int) -> Select:
    """The ids of the brands that a factory of the programme lists among its customers."""
    return (select(FactoryCustomer.buyer_organisation_id).join(Factory, Factory.id == FactoryCustomer.factory_id)
            .where(Factory.programme_id == programme_id))


def programme_users(programme_id: int) -> Select:
    """The accounts a programme's admins manage: its staff, its factories' users, the buyers
    it invited, and the buyers of no programme whose brand subscribes to one of its factories
    (they read its data, so its admins see them and may switch them off)."""
    factories = select(Factory.id).where(Factory.programme_id == programme_id)
    subscribed = (select(Subscription.buyer_organisation_id)
                  .where(Subscription.factory_id.in_(factories), Subscription.status == SubscriptionStatus.ACTIVE))
    return select(User).where(or_(
        User.programme_id == programme_id, User.factory_id.in_(factories),
        and_(User.role == Role.BUYER, User.programme_id.is_(None), User.buyer_organisation_id.in_(subscribed))))


def search_users(programme_id: int, q: str = "", role: Role | None = None, active: bool | None = None) -> Select:
    # The list names each person's factory, brand or programme.
    query = programme_users(programme_id).options(
        joinedload(User.factory), joinedload(User.buyer_organisation), joinedload(User.programme))
    if q.strip():
        needle = f"%{q.strip().lower()}%"
        query = query.where(or_(func.lower(User.email).like(needle), func.lower(User.name).like(needle)))
    if role is not None:
        query = query.where(User.role == role)
    if active is not None:
        query = query.where(User.active.is_(active))
    return query.order_by(func.lower(User.email))


def factory_users(factory: Factory) -> list[User]:
    return list(db.session.scalars(select(User).where(User.factory_id == factory.id).order_by(User.name)))


# --- invitations -------------------------------------------------------------------------

def invite(actor: User, *, email: str, name: str, role: Role, locale: str, programme, factory=None,
           buyer_organisation=None, is_account_manager: bool = False, days: int = 7,
           now: datetime | None = None) -> tuple[Invitation, str]:
    """A new invitation and its token (the token is never stored; send it, then forget it)."""
    now = now or _now()
    email = normalise_email(email)
    existing = find_user_by_email(email)
    if existing is not None and may_manage_user(actor, existing):
        # Only about an account the inviter sees anyway: anyone else's address answers as a
        # new one (no enumeration, issue 17 item 8); its owner is told to sign in instead.
        raise PeopleError(_l("There is already an account with this e-mail address."), "email")
    if role is Role.FACTORY:
        if factory is None or factory.programme_id != programme.id:
            raise PeopleError(_l("Choose the factory this person works for."), "factory_id")
        if not may_manage_factory_people(actor, factory):
            raise PeopleError(_l("You may not invite people to this factory."))
        if not factory.active:
            raise PeopleError(_l("This factory is deactivated."), "factory_id")
    else:
        factory = None
        is_account_manager = False
        if not is_programme_admin(actor, programme.id):
            raise PeopleError(_l("Only the programme's admins may invite this role."), "role")
    if role is Role.BUYER and buyer_organisation is None:
        raise PeopleError(_l("Choose the buyer organisation this person works for."), "buyer_organisation_id")
    if role is Role.BUYER and buyer_organisation.id not in set(db.session.scalars(brands_served(programme.id))):
        # Only a brand the programme already serves; the account will read only this programme.
        raise PeopleError(_l("No factory of this programme lists this buyer organisation among its customers."),
                          "buyer_organisation_id")
    if role is not Role.BUYER:
        buyer_organisation = None
    return _issue(actor, email=email, name=name, role=role, locale=locale, programme=programme, factory=factory,
                  buyer_organisation=buyer_organisation, is_account_manager=is_account_manager, days=days, now=now)


def invite_admin_from_console(*, email: str, name: str, locale: str, programme, days: int = 7):
    """The first admin of a new programme, invited by the operator from the command line."""
    if find_user_by_email(email) is not None:
        raise PeopleError("There is already an account with this e-mail address.", "email")
    return _issue(None, email=normalise_email(email), name=name, role=Role.ADMIN, locale=locale,
                  programme=programme, factory=None, buyer_organisation=None, is_account_manager=False,
                  days=days, now=_now())


def _issue(actor, *, email, name, role, locale, programme, factory, buyer_organisation, is_account_manager,
           days, now) -> tuple[Invitation, str]:
    # A new invitation replaces any earlier one still open for the same address from the same
    # place (this factory, or this programme's admins): never another factory's or programme's.
    db.session.execute(
        update(Invitation)
        .where(Invitation.email == email, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
               Invitation.programme_id == programme.id,
               Invitation.factory_id == factory.id if factory is not None else Invitation.factory_id.is_(None))
        .values(revoked_at=now)
    )
    token, hashed = tokens.new_token()
    invitation = Invitation(
        token_hash=hashed, email=email, name=name.strip(), role=role, locale=locale,
        factory=factory, buyer_organisation=buyer_organisation, programme=programme,
        is_account_manager=is_account_manager, invited_by=actor, expires_at=now + timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor, "user.invite", invitation, programme_id=programme.id, label=email,
                 changes={"role": role.value, "factory": factory.name if factory else None,
                          "buyer_organisation": buyer_organisation.name if buyer_organisation else None,
                          "account_manager": is_account_manager})
    return invitation, token


def reinvite(actor: User, invitation: Invitation, days: int = 7) -> tuple[Invitation, str]:
    """The same invitation again, with a new link (the old one stops working)."""
    if invitation.accepted_at is not None:
        raise PeopleError(_l("This invitation has already been used."))
    return invite(actor, email=invitation.email, name=invitation.name, role=invitation.role,
                  locale=invitation.locale, programme=invitation.programme, factory=invitation.factory,
                  buyer_organisation=invitation.buyer_organisation,
                  is_account_manager=invitation.is_account_manager, days=days)


def revoke_invitation(actor: User, invitation: Invitation) -> None:
    if invitation.accepted_at is not None:
        raise PeopleError(_l("This invitation has already been used."))
    if invitation.revoked_at is None:
        invitation.revoked_at = _now()
        audit.record(actor, "user.invitation_revoke", invitation, programme_id=invitation.programme_id,
                     label=invitation.email)


def invitation_state(invitation: Invitation | None, now: datetime | None = None) -> str:
    """"valid", "used", "revoked", "expired" or "unknown"."""
    return tokens.state(invitation, "accepted_at", now)


def find_invitation(token: str) -> Invitation | None:
    return tokens.find(Invitation, token)


def check_password(password: str, email: str) -> None:
    if len(password or "") < PASSWORD_MIN:
        raise PeopleError(_l("Choose a password of at least %(n)d characters.", n=PASSWORD_MIN), "password")
    if len(password) > PASSWORD_MAX:
        raise PeopleError(_l("This password is too long."), "password")
    if password.strip().lower() == email.lower():
        raise PeopleError(_l("Your password must not be your e-mail address."), "password")


def accept(invitation: Invitation, *, name: str, password: str, locale: str,
           now: datetime | None = None) -> User:
    """Create the account. The invitation is claimed by a conditional UPDATE, so two
    submissions of the same link (two tabs, a double click) create one account."""
    now = now or _now()
    state = invitation_state(invitation, now)
    if state != "valid":
        raise PeopleError(_l("This invitation link has already been used or has expired."))
    check_password(password, invitation.email)
    if find_user_by_email(invitation.email) is not None:
        raise PeopleError(_l("There is already an account with this e-mail address."))
    if not tokens.claim(Invitation, invitation.id, "accepted_at", now):
        raise PeopleError(_l("This invitation link has already been used or has expired."))
    staff = invitation.role in (Role.EA, Role.ASSESSOR, Role.ADMIN, Role.BUYER)
    user = User(
        email=invitation.email, name=(name or invitation.name).strip()[:200], role=invitation.role,
        password_hash=hash_password(password), locale=locale,
        factory_id=invitation.factory_id if invitation.role is Role.FACTORY else None,
        buyer_organisation_id=invitation.buyer_organisation_id if invitation.role is Role.BUYER else None,
        # Buyers carry the inviting programme too: its admins manage their account.
        programme_id=invitation.programme_id if staff else None,
        is_account_manager=invitation.is_account_manager, last_sign_in_at=None,
    )
    db.session.add(user)
    db.session.flush()
    db.session.execute(update(Invitation).where(Invitation.id == invitation.id).values(user_id=user.id))
    audit.record(user, "user.join", user, programme_id=invitation.programme_id, label=user.email,
                 changes={"role": user.role.value, "locale": locale})
    return user


# --- accounts ----------------------------------------------------------------------------

def set_active(actor: User, user: User, active: bool) -> None:
    if user.id == actor.id and not active:
        raise PeopleError(_l("You cannot deactivate your own account."))
    if user.active == active:
        return
    user.active = active
    if not active:
        end_sessions(user)  # at once, and a later reactivation does not bring old sessions back
    programme = user.factory.programme_id if user.factory is not None else user.programme_id
    audit.record(actor, "user.reactivate" if active else "user.deactivate", user, programme_id=programme,
                 label=user.email, changes={"active": [not active, active]})


def update_user(actor: User, user: User, *, name: str, is_account_manager: bool) -> None:
    before = audit.values(user, ("name", "is_account_manager"))
    user.name = name.strip()
    user.is_account_manager = is_account_manager and user.role is Role.FACTORY
    changed = audit.changes(before, audit.values(user, ("name", "is_account_manager")))
    if changed:
        programme = user.factory.programme_id if user.factory is not None else user.programme_id
        audit.record(actor, "user.edit", user, programme_id=programme, label=user.email, changes=changed)


def open_invitations(programme_id: int, factory_id: int | None = None) -> Select:
    query = select(Invitation).where(Invitation.programme_id == programme_id)
    if factory_id is not None:
        query = query.where(Invitation.factory_id == factory_id)
    return query.order_by(Invitation.created_at.desc(), Invitation.id.desc())
