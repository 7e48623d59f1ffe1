"""The buyers' weekly digest e-mail (DASH-1): one per buyer who turned it on (it is off by
default), in their language, exactly once per ISO week.

Once a week is the outbox's idempotency key: (kind, the week, the buyer, the week's Monday).
The job that writes the rows runs every day (jobs.cron_config): the first run of a week
writes each buyer's row, every later run that week (or a second machine running it at the
same time) finds the key and writes nothing, and a week whose Monday run was missed still
gets its digest the next day. The figures are read when the e-mail is sent, so it says how
things stand then, through the same domain functions as the buyer's dashboard."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from ...extensions import db
from ...models import Role, User
from ..errors import NotAllowed
from ..notices import outbox

KIND = "digest.weekly"


def week_of(day: date) -> tuple[str, date]:
    """The ISO week of ``day`` ("2026-W49") and its Monday."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}", day - timedelta(days=day.weekday())


def key_for(user_id: int, day: date) -> str:
    week, monday = week_of(day)
    return outbox.key_for(KIND, week, user_id, monday)


def subscribers() -> list[int]:
    """The ids of the active buyers who want the digest."""
    return list(db.session.scalars(select(User.id).where(User.role == Role.BUYER, User.active, User.weekly_digest)
                                   .order_by(User.id)))


def queue_weekly(now: datetime | None = None) -> int:
    """Write this week's digest row for every buyer who wants it and has none yet; returns
    how many rows were new (0 on a second run in the same week). The caller commits."""
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    week, monday = week_of(today)
    rows = [{"kind": KIND, "key": key_for(user_id, today), "payload": {"week": week, "monday": monday.isoformat()},
             "recipient_id": user_id, "factory_id": None} for user_id in subscribers()]
    return len(outbox.write_many(rows))


def wants(user) -> bool:
    return bool(user.active and user.role is Role.BUYER and user.weekly_digest)


def set_weekly_digest(user, on: bool) -> bool:
    """Turn the buyer's digest on or off; True if it changed. The caller commits."""
    if user.role is not Role.BUYER:
        raise NotAllowed("weekly digest")
    if bool(user.weekly_digest) == on:
        return False
    user.weekly_digest = on
    return True
