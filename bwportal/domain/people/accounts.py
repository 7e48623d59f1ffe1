"""Passwords and sign-in. Argon2id hashes, rehashed when the parameters move on."""

from datetime import UTC, datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from ...extensions import db
from ...models import User
from .. import audit
from . import api_tokens

_hasher = PasswordHasher()


@cache
def dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so both failures cost the same time.
    Made on first use, not at import: an Argon2 hash takes 64 MiB for a moment, which would
    be the peak memory of every process that never signs anyone in (the workers, cron).
    wsgi.py makes it at start-up, so a web process's first failure costs no more than the rest."""
    return _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    """Whether ``password`` is the user's (for a change of password; sign-in uses authenticate)."""
    try:
        return _hasher.verify(user.password_hash or dummy_hash(), password or "") and bool(user.password_hash)
    except (VerificationError, InvalidHashError):
        return False


def end_sessions(user: User) -> None:
    """Every session of the user ends at its next request (the user loader compares the
    version kept in the session with this one). Raised in SQL, so two at once both count.
    The account's API tokens are revoked with its sessions."""
    user.session_version = User.session_version + 1
    api_tokens.revoke_all(user)
    db.session.flush()  # so get_id() reads the new version from here on


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The user if the e-mail and password match an active account, else None.

    Unknown e-mail, wrong password and deactivated account all answer None, so the
    caller cannot tell them apart (no account enumeration).

    Every attempt is recorded in the audit trail (the caller commits, whatever the answer):
    for an account, under its programme; for an e-mail that matches none, under no programme
    and with only a masked form of what was typed (see ``audit.masked_email``). Both failures
    write one row, so they still cost the same.
    """
    user = find_user_by_email(email)
    dummy = dummy_hash()
    stored = user.password_hash if user is not None and user.password_hash else dummy
    try:
        _hasher.verify(stored, password or "")
        matched = stored is not dummy  # the dummy never opens an account without a password
    except (VerificationError, InvalidHashError):
        matched = False
    if user is None:
        audit.record(None, "auth.sign_in_failed", label=audit.masked_email(email), changes={"reason": "unknown"})
        return None
    if not matched or not user.may_sign_in:
        # The reason is for the programme admin only; the person signing in is told nothing more.
        reason = "password" if not matched else "inactive" if not user.active else "factory_inactive"
        audit.record(user, "auth.sign_in_failed", user, label=user.email, changes={"reason": reason})
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_sign_in_at = datetime.now(UTC)
    audit.record(user, "auth.sign_in", user, label=user.email)
    return user


def sign_out(user: User) -> None:
    """Sign-out ends the session on the server too (issue 17 item 6): a copy of the cookie
    taken before it no longer opens anything. Sessions are signed cookies, so the user's
    session version is raised, which ends the user's other sessions as well (a shared
    factory PC is the case this protects); API tokens stay (see ``end_sessions``)."""
    user.session_version = User.session_version + 1
    db.session.flush()
    audit.record(user, "auth.sign_out", user, label=user.email)
