"""Days saved before dates were bounded (issue 17 item 9) brought into the range forms accept

Every day a form or an import accepts now lies between 2000-01-01 and ten years after today
(forms.dates.sane_day). Before that rule, a release or assessment date of 9999-12-31 was
accepted, and the factory's pages, the buyers' dashboards and the deadline sweep then failed
on it (a day counted from it overflows). This migration cleans the rows saved before the rule,
column by column, by what the column means; a day inside the range is never touched:

    cycle.report_release_date        NULL: the release is not known. The assessor enters it
                                     again; until then no PR1 deadline counts from it.
    cycle.assessment_date            NULL, and its release date with it (a release needs an
                                     assessment: ck_cycle_released_when_assessed). The cycle is
                                     in its advisory period again until the assessor records it.
    cycle.start_date (required)      the day the cycle was recorded, but not after its
                                     assessment (ck_cycle_assessed_after_start).
    ip_item.target_date              NULL: no target yet, which the plan shows and asks for.
    ip_item.completion_date          NULL, except on a Completed item, which must have one
                                     (ck_ip_item_completed_has_date_and_verifier): there the day
                                     the item was last changed (its verification), else recorded.
    committee_member.since           NULL: not known.
    committee_member.until           after the range: NULL (a leaving date thousands of years
                                     ahead means "still a member", which NULL says); before it:
                                     2000-01-01, so a member who left stays a former member.
    committee_meeting.meeting_date,  the day the row was recorded: the nearest fact known
    progress_report.report_date,     about when the meeting, report or visit happened.
    advisory_visit.visit_date
    training_session.starts_on       the nearest end of the range (the table records no day of
                                     its own); the admin sees a session in 2000 or ten years
                                     ahead and moves it.

"Recorded" is the day of the row's created_at (UTC), itself kept inside the range. The upper
end is counted from the day the migration runs, as the forms count it from the day they are
sent. Each changed value is logged (table, id, column, old and new day), so an operator can
put back what was meant. The old values are not kept in the database: downgrading changes
nothing.

Revision ID: d4a8e3b17c52
Revises: c6e1d0a9f7b3
Create Date: 2026-12-08 09:00:00

"""
import logging
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision = 'd4a8e3b17c52'
down_revision = 'c6e1d0a9f7b3'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')

# forms.dates, as it is when this migration is written (a migration never follows later code).
DAY_MIN = date(2000, 1, 1)
YEARS_AHEAD = 10


def day_max(today: date) -> date:
    return today.replace(year=today.year + YEARS_AHEAD, day=28 if today.month == 2 and today.day == 29 else today.day)


def _table(name: str, *columns: str) -> sa.Table:
    types = {'created_at': sa.DateTime(timezone=True), 'updated_at': sa.DateTime(timezone=True),
             'id': sa.Integer(), 'status': sa.String()}
    return sa.table(name, *(sa.column(c, types.get(c, sa.Date())) for c in columns))


class Cleaner:
    def __init__(self, conn, today: date):
        self.conn, self.last = conn, day_max(today)

    def clamp(self, day: date) -> date:
        return min(max(day, DAY_MIN), self.last)

    def recorded(self, moment) -> date:
        """The UTC day of a created_at / updated_at, inside the range."""
        if moment is None:
            return self.clamp(datetime.now(UTC).date())
        if isinstance(moment, str):  # SQLite without the type's parsing
            moment = datetime.fromisoformat(moment)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
        return self.clamp(moment.date())

    def bad(self, column, *, before: bool = True, after: bool = True):
        tests = ([column < DAY_MIN] if before else []) + ([column > self.last] if after else [])
        return sa.or_(*tests)

    def rows(self, table: sa.Table, column: str, condition, *extra: str) -> list:
        """(id, old day as text, *extra) of the rows the condition picks."""
        return self.conn.execute(sa.select(
            table.c.id, sa.cast(table.c[column], sa.String), *(table.c[e] for e in extra)).where(condition)).all()

    def set(self, table: sa.Table, column: str, condition, new, extra: tuple = ()) -> int:
        """Set ``column`` to ``new`` (a day, None, or a function of the ``extra`` columns'
        values) on the rows ``condition`` picks; logs each change."""
        found = self.rows(table, column, condition, *extra)
        for row_id, old, *values in found:
            value = new(*values) if callable(new) else new
            self.conn.execute(table.update().where(table.c.id == row_id).values({column: value}))
            log.warning('day out of range: %s %s %s was %s, now %s', table.name, row_id, column, old, value)
        return len(found)


def clean(conn, today: date) -> dict:
    """Clean every bounded day column; how many values changed, by table.column."""
    c = Cleaner(conn, today)
    changed = {}

    cycle = _table('cycle', 'id', 'start_date', 'assessment_date', 'report_release_date', 'created_at')
    changed['cycle.report_release_date'] = c.set(cycle, 'report_release_date', c.bad(cycle.c.report_release_date), None)
    bad_assessment = c.bad(cycle.c.assessment_date)
    changed['cycle.report_release_date'] += c.set(
        cycle, 'report_release_date', bad_assessment & cycle.c.report_release_date.is_not(None), None)
    changed['cycle.assessment_date'] = c.set(cycle, 'assessment_date', bad_assessment, None)

    def cycle_start(created_at, assessed):
        day = c.recorded(created_at)
        return min(day, assessed) if assessed is not None else day
    changed['cycle.start_date'] = c.set(cycle, 'start_date', c.bad(cycle.c.start_date), cycle_start,
                                        ('created_at', 'assessment_date'))

    item = _table('ip_item', 'id', 'target_date', 'completion_date', 'status', 'created_at', 'updated_at')
    changed['ip_item.target_date'] = c.set(item, 'target_date', c.bad(item.c.target_date), None)
    bad_completion = c.bad(item.c.completion_date)

    changed['ip_item.completion_date'] = c.set(
        item, 'completion_date', bad_completion & (item.c.status == 'completed'),
        lambda updated_at, created_at: c.recorded(updated_at or created_at), ('updated_at', 'created_at'))
    changed['ip_item.completion_date'] += c.set(
        item, 'completion_date', bad_completion & (item.c.status != 'completed'), None)

    member = _table('committee_member', 'id', 'since', 'until')
    changed['committee_member.since'] = c.set(member, 'since', c.bad(member.c.since), None)
    changed['committee_member.until'] = c.set(member, 'until', c.bad(member.c.until, before=False), None)
    changed['committee_member.until'] += c.set(member, 'until', c.bad(member.c.until, after=False), DAY_MIN)

    for name, column in (('committee_meeting', 'meeting_date'), ('progress_report', 'report_date'),
                         ('advisory_visit', 'visit_date')):
        table = _table(name, 'id', column, 'created_at')
        changed[f'{name}.{column}'] = c.set(table, column, c.bad(table.c[column]), c.recorded, ('created_at',))

    session = _table('training_session', 'id', 'starts_on')
    starts_on = session.c.starts_on
    changed['training_session.starts_on'] = c.set(session, 'starts_on', c.bad(starts_on, after=False), DAY_MIN)
    changed['training_session.starts_on'] += c.set(session, 'starts_on', c.bad(starts_on, before=False), c.last)
    return changed


def upgrade():
    changed = clean(op.get_bind(), datetime.now(UTC).date())
    if any(changed.values()):
        log.warning('days out of range cleaned: %s', {k: v for k, v in changed.items() if v})


def downgrade():
    pass  # the days out of range are not kept; the cleaned rows stay valid under the old schema
