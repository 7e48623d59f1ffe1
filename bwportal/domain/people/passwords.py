"""Choosing a new password: by a link sent by e-mail (forgotten password), or on one's own
account page. Either way every session of the user ends, so a stolen session does not
outlive the password, and any open reset link stops working.

Reset links follow the invitation's pattern (domain.tokens): single-use, expiring, only
their hash stored. Asking for one answers the same whether or not the account exists.
"""

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from ...extensions import db
from ...models import PasswordReset, User
from .. import audit
from . import tokens
from .accounts import end_sessions, find_user_by_email, hash_password, verify_password
from .management import PeopleError, check_password

LINK_FAILED = _l("This link has already been used or has expired.")


def request_reset(email: str, *, hours: int, now: datetime | None = None) -> tuple[PasswordReset, str] | None:
    """A new link and its token for the account with this e-mail (earlier open links stop
    working), or None when no mail should go: no such account, or a deactivated one."""
    now = now or tokens.now()
    user = find_user_by_email(email)
    if user is None or not user.may_sign_in:
        return None
    _revoke_open_links(user, now)
    token, hashed = tokens.new_token()
    reset = PasswordReset(token_hash=hashed, user=user, expires_at=now + timedelta(hours=hours))
    db.session.add(reset)
    db.session.flush()
    return reset, token


def find_reset(token: str) -> PasswordReset | None:
    return tokens.find(PasswordReset, token)


def reset_state(reset: PasswordReset | None, now: datetime | None = None) -> str:
    """"valid", "used", "revoked", "expired" or "unknown". A deactivated account's link
    counts as revoked."""
    state = tokens.state(reset, "used_at", now)
    if state == "valid" and not reset.user.may_sign_in:
        return "revoked"
    return state


def complete_reset(reset: PasswordReset, password: str, now: datetime | None = None) -> User:
    """Set the new password through the link, once."""
    now = now or tokens.now()
    if reset_state(reset, now) != "valid":
        raise PeopleError(LINK_FAILED)
    user = reset.user
    check_password(password, user.email)
    if not tokens.claim(PasswordReset, reset.id, "used_at", now):
        raise PeopleError(LINK_FAILED)
    _set_password(user, password, now)
    audit.record(user, "auth.password_reset", user, label=user.email)
    return user


def change_password(user: User, *, current: str, new: str) -> None:
    """The signed-in user's own change; the caller keeps this session signed in."""
    if not verify_password(user, current):
        raise PeopleError(_l("Your current password is not right."), "current")
    check_password(new, user.email)
    _set_password(user, new, tokens.now())
    audit.record(user, "auth.password_change", user, label=user.email)


def sign_out_everywhere(user: User) -> None:
    end_sessions(user)
    audit.record(user, "auth.sign_out_everywhere", user, label=user.email)


def _set_password(user: User, password: str, now: datetime) -> None:
    user.password_hash = hash_password(password)
    end_sessions(user)
    _revoke_open_links(user, now)  # an older link must not undo the new password


def _revoke_open_links(user: User, now: datetime) -> None:
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None), PasswordReset.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
