"""The Advisory Visit Log (CYC-3): the EA logs visits, the factory reads them.

Operations add to the session and flush; the caller commits.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import format_date, gettext
from sqlalchemy import select

from ...extensions import db
from ...models import AdvisoryVisit, Cycle


def visits_of(factory_id: int) -> list[AdvisoryVisit]:
    """The factory's visits, newest first."""
    return list(db.session.scalars(
        select(AdvisoryVisit)
        .where(AdvisoryVisit.factory_id == factory_id)
        .order_by(AdvisoryVisit.visit_date.desc(), AdvisoryVisit.id.desc())
    ))


def programme_today(programme) -> date:
    """Today where the factory is (the programme's time zone)."""
    try:
        zone = ZoneInfo(programme.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.now(zone).date()


def visit_date_problem(visit_date: date, cycle: Cycle, cycles: list[Cycle], today: date):
    """Why ``visit_date`` cannot be a visit of ``cycle``, or None.

    A visit happens on or after the cycle's start (its advisory period comes before its
    assessment, CYC-1), not after today, and before the next cycle starts (a later visit
    belongs to that cycle). ``cycles`` are the factory's.
    """
    if visit_date > today:
        return gettext("A visit cannot be logged before it happens: the date is after today.")
    if visit_date < cycle.start_date:
        return gettext("Cycle %(number)d started on %(date)s; a visit of this cycle cannot be earlier.",
                       number=cycle.number, date=format_date(cycle.start_date, "medium"))
    later = [c for c in cycles if c.number > cycle.number and c.start_date <= visit_date]
    if later:
        nxt = max(later, key=lambda c: c.start_date)  # the cycle running on that date
        return gettext("On this date cycle %(number)d had started (%(date)s); please log the visit in that cycle.",
                       number=nxt.number, date=format_date(nxt.start_date, "medium"))
    return None


def log_visit(factory, cycle: Cycle, visit_date: date, description: str, ea) -> AdvisoryVisit:
    if cycle.factory_id != factory.id:
        raise ValueError("the cycle is another factory's")
    visit = AdvisoryVisit(factory_id=factory.id, cycle_id=cycle.id, visit_date=visit_date,
                          description=description, ea_id=ea.id)
    db.session.add(visit)
    db.session.flush()
    return visit


def update_visit(visit: AdvisoryVisit, visit_date: date, description: str) -> None:
    """Correct a visit's date and description; the EA who logged it stays its author."""
    visit.visit_date = visit_date
    visit.description = description
