"""A subscription's coverage is stored when it is accepted (PR-9, PUB-1): subscription.first_cycle_number

Until now what an active subscription covered was recomputed from dates at every request:
"the cycle in progress on the day it was accepted (the latest cycle whose assessment date is
on or before that day, in the programme's time zone) and every later one". A cycle recorded
afterwards with an earlier date moved that boundary and took away reports buyers had been told
about. Now the first covered cycle's number is kept on the subscription when the factory
accepts it, and never recomputed.

Data: each active subscription gets the number the old rule gives today, with the assessment
dates it was computed from (not the new cycle start dates, which are earlier and could only
move the boundary later): buyers keep exactly what they read before the upgrade. An active
subscription without an acceptance date (made before dates were kept) covered every cycle: 0.
Subscriptions that are not active have none (they cover nothing; accepting them sets it).

Revision ID: e2b8f4a61c3d
Revises: d7a3c1e5b902
Create Date: 2026-12-07 09:30:00

"""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e2b8f4a61c3d'
down_revision = 'd7a3c1e5b902'
branch_labels = None
depends_on = None

subscription = sa.table('subscription', sa.column('id', sa.Integer), sa.column('factory_id', sa.Integer),
                        sa.column('status', sa.String), sa.column('accepted_at', sa.DateTime(timezone=True)),
                        sa.column('first_cycle_number', sa.Integer))
cycle = sa.table('cycle', sa.column('factory_id', sa.Integer), sa.column('number', sa.Integer),
                 sa.column('assessment_date', sa.Date))
factory = sa.table('factory', sa.column('id', sa.Integer), sa.column('programme_id', sa.Integer))
programme = sa.table('programme', sa.column('id', sa.Integer), sa.column('timezone', sa.String))


def first_number(cycles: list[tuple[int, date | None]], accepted: date | None) -> int:
    """The old rule: the latest cycle assessed on or before ``accepted``; 0 (every cycle) when
    there is no date or no cycle had been assessed by then."""
    if accepted is None:
        return 0
    return max((number for number, assessed in cycles if assessed is not None and assessed <= accepted), default=0)


def _local_day(at, zone: str) -> date:
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:  # SQLite hands back naive UTC
        at = at.replace(tzinfo=UTC)
    try:
        return at.astimezone(ZoneInfo(zone)).date()
    except (KeyError, ValueError):
        return at.astimezone(UTC).date()


def upgrade():
    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_cycle_number', sa.Integer(), nullable=True))
    conn = op.get_bind()
    zones = dict(conn.execute(sa.select(factory.c.id, programme.c.timezone)
                              .join(programme, programme.c.id == factory.c.programme_id)).all())
    cycles: dict[int, list] = {}
    for factory_id, number, assessed in conn.execute(sa.select(cycle.c.factory_id, cycle.c.number,
                                                               cycle.c.assessment_date)):
        cycles.setdefault(factory_id, []).append((number, assessed))
    for row in conn.execute(sa.select(subscription.c.id, subscription.c.factory_id, subscription.c.accepted_at)
                            .where(subscription.c.status == 'active')).all():
        accepted = _local_day(row.accepted_at, zones.get(row.factory_id, 'UTC')) if row.accepted_at else None
        conn.execute(subscription.update().where(subscription.c.id == row.id)
                     .values(first_cycle_number=first_number(cycles.get(row.factory_id, []), accepted)))


def downgrade():
    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.drop_column('first_cycle_number')
