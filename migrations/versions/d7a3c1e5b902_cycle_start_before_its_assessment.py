"""A cycle starts before its assessment (CYC-1 corrected): cycle.start_date, and an assessment
date that may not be known yet

A service cycle starts with about 100 days of advisory and self-diagnosis, then the
assessment, then the release of its report. Until now a cycle started on its assessment date,
so the start date of every existing cycle is derived here, by this rule:

    advisory = the assessment date minus 100 days, but not before the day after the previous
               cycle's report release (or, if it was never released, the day after the previous
               cycle's assessment): a cycle's advisory cannot begin while the previous cycle's
               assessment is still being written;
    start    = the earliest of: advisory, the cycle's first advisory visit, the day (in the
               programme's time zone) its first Improvement Plan item was recorded;
               never after the assessment date, and always after the previous cycle's start
               (cycles are numbered in the order they start).

The first cycle has no previous cycle, so it starts 100 days before its assessment unless a
visit or an item of it is earlier. Nothing else changes: visits, items and reports keep their
cycle. The assessment date becomes optional (a cycle in its advisory period has none yet); a
release date needs an assessment date. Downgrading puts the start date into the assessment
date of cycles that have none (the old schema needs one) and drops the start date.

Revision ID: d7a3c1e5b902
Revises: a7f3c91e5d20
Create Date: 2026-12-07 09:00:00

"""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd7a3c1e5b902'
down_revision = 'a7f3c91e5d20'
branch_labels = None
depends_on = None

ADVISORY_DAYS = 100

cycle = sa.table('cycle', sa.column('id', sa.Integer), sa.column('factory_id', sa.Integer),
                 sa.column('number', sa.Integer), sa.column('start_date', sa.Date),
                 sa.column('assessment_date', sa.Date), sa.column('report_release_date', sa.Date))
visit = sa.table('advisory_visit', sa.column('cycle_id', sa.Integer), sa.column('visit_date', sa.Date))
item = sa.table('ip_item', sa.column('cycle_id', sa.Integer), sa.column('created_at', sa.DateTime(timezone=True)))
factory = sa.table('factory', sa.column('id', sa.Integer), sa.column('programme_id', sa.Integer))
programme = sa.table('programme', sa.column('id', sa.Integer), sa.column('timezone', sa.String))


def start_of(assessed: date, previous: dict | None, first_visit: date | None, first_item: date | None) -> date:
    """The rule of the module's docstring, for one cycle; ``previous`` is the previous cycle
    as {"start_date", "assessment_date", "report_release_date"}, with its start already set."""
    advisory = assessed - timedelta(days=ADVISORY_DAYS)
    if previous is not None:
        bound = (previous['report_release_date'] or previous['assessment_date']) + timedelta(days=1)
        advisory = max(advisory, bound)
    start = min(d for d in (advisory, first_visit, first_item, assessed) if d is not None)
    if previous is not None:
        start = max(start, previous['start_date'] + timedelta(days=1))
    return min(start, assessed)


def _local_day(at, zone: str) -> date:
    if isinstance(at, str):  # a driver that hands back text
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:  # SQLite hands back naive UTC
        at = at.replace(tzinfo=UTC)
    try:
        return at.astimezone(ZoneInfo(zone)).date()
    except (KeyError, ValueError):
        return at.astimezone(UTC).date()


def _set_start_dates(conn) -> None:
    zones = dict(conn.execute(sa.select(factory.c.id, programme.c.timezone)
                              .join(programme, programme.c.id == factory.c.programme_id)).all())
    first_visits = dict(conn.execute(sa.select(visit.c.cycle_id, sa.func.min(visit.c.visit_date))
                                     .group_by(visit.c.cycle_id)).all())
    first_items = dict(conn.execute(sa.select(item.c.cycle_id, sa.func.min(item.c.created_at))
                                    .group_by(item.c.cycle_id)).all())
    rows = conn.execute(sa.select(cycle.c.id, cycle.c.factory_id, cycle.c.assessment_date,
                                  cycle.c.report_release_date)
                        .order_by(cycle.c.factory_id, cycle.c.number)).all()
    previous = None
    for row in rows:
        if previous is not None and previous['factory_id'] != row.factory_id:
            previous = None
        created = first_items.get(row.id)
        first_item = _local_day(created, zones.get(row.factory_id, 'UTC')) if created is not None else None
        start = start_of(row.assessment_date, previous, first_visits.get(row.id), first_item)
        conn.execute(cycle.update().where(cycle.c.id == row.id).values(start_date=start))
        previous = {'factory_id': row.factory_id, 'start_date': start, 'assessment_date': row.assessment_date,
                    'report_release_date': row.report_release_date}


def _sqlite_foreign_keys(on: bool) -> None:
    """SQLite rebuilds the table to alter it (batch mode) and cannot drop a table other rows
    refer to while it enforces foreign keys: enforcement is off while the table is rebuilt
    (outside a transaction, where SQLite allows the switch), then checked and back on."""
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.get_context().autocommit_block():
        if on:
            broken = op.get_bind().exec_driver_sql('PRAGMA foreign_key_check').fetchall()
            if broken:
                raise RuntimeError(f'rows refer to rows that are gone: {broken[:5]}')
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade():
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start_date', sa.Date(), nullable=True))
    _set_start_dates(op.get_bind())
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.alter_column('start_date', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('assessment_date', existing_type=sa.Date(), nullable=True)
        batch_op.create_check_constraint(
            batch_op.f('ck_cycle_assessed_after_start'), 'assessment_date IS NULL OR assessment_date >= start_date')
        batch_op.create_check_constraint(
            batch_op.f('ck_cycle_released_when_assessed'), 'report_release_date IS NULL OR assessment_date IS NOT NULL')
    _sqlite_foreign_keys(True)


def downgrade():
    _sqlite_foreign_keys(False)
    op.get_bind().execute(cycle.update().where(cycle.c.assessment_date.is_(None))
                          .values(assessment_date=cycle.c.start_date))
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_cycle_released_when_assessed'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_cycle_assessed_after_start'), type_='check')
        batch_op.alter_column('assessment_date', existing_type=sa.Date(), nullable=False)
        batch_op.drop_column('start_date')
    _sqlite_foreign_keys(True)
