"""Items across assessments (issue 16: IP-6, IP-8, 002 §3.3-3.4.1)

- ip_item.grievance_mechanism_review, ip_item.grievance_enhancement: the EA's review with the
  committee of an item the new assessment did not repeat.
- ip_event.cycle_id: the assessment a lead assessor's comment goes with; its report is released
  only once every open publicly reported item has one.

Data:
- An item put forward during advisory loses a "review with the committee" flag: only items
  from an earlier assessment's findings can be not repeated.
- An assessed cycle without a lead assessor gets one, as sensibly as the rows allow: the
  assessor who wrote lead assessor's comments on the factory's items (the latest one), else the
  lead assessor of the factory's nearest other cycle, else the programme's only active assessor.
  A cycle none of these fits keeps none (an admin may then comment in that person's place).
- A lead assessor's comment already written goes with the factory's first assessed cycle whose
  report was not released before the day of the comment (the report it was written for);
  a comment after every release goes with none (it counts for no release).

Revision ID: b4e6d2a8c731
Revises: e2b8f4a61c3d
Create Date: 2026-12-07 03:10:00

"""
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b4e6d2a8c731'
down_revision = 'e2b8f4a61c3d'
branch_labels = None
depends_on = None

cycle = sa.table('cycle', sa.column('id', sa.Integer), sa.column('factory_id', sa.Integer),
                 sa.column('number', sa.Integer), sa.column('assessment_date', sa.Date),
                 sa.column('report_release_date', sa.Date), sa.column('lead_assessor_id', sa.Integer))
ip_event = sa.table('ip_event', sa.column('id', sa.Integer), sa.column('factory_id', sa.Integer),
                    sa.column('kind', sa.String), sa.column('actor_id', sa.Integer),
                    sa.column('created_at', sa.DateTime(timezone=True)), sa.column('cycle_id', sa.Integer))
ip_item = sa.table('ip_item', sa.column('origin', sa.String), sa.column('review_with_committee', sa.Boolean))
factory = sa.table('factory', sa.column('id', sa.Integer), sa.column('programme_id', sa.Integer))
user = sa.table('user', sa.column('id', sa.Integer), sa.column('role', sa.String),
                sa.column('programme_id', sa.Integer), sa.column('active', sa.Boolean))


def _day(at) -> date:
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:  # SQLite hands back naive UTC
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).date()


def upgrade():
    with op.batch_alter_table('ip_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grievance_mechanism_review', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('grievance_enhancement', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('ip_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cycle_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ip_event_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_ip_event_cycle_id_cycle'), 'cycle', ['cycle_id'], ['id'])

    conn = op.get_bind()
    # Items put forward during advisory were never assessed: they are not "not repeated" (IP-8).
    conn.execute(ip_item.update().where(ip_item.c.origin == 'advisory', ip_item.c.review_with_committee.is_(True))
                 .values(review_with_committee=False))
    cycles = conn.execute(sa.select(cycle.c.id, cycle.c.factory_id, cycle.c.number, cycle.c.assessment_date,
                                    cycle.c.report_release_date, cycle.c.lead_assessor_id)
                          .order_by(cycle.c.factory_id, cycle.c.number)).all()
    comments = conn.execute(sa.select(ip_event.c.id, ip_event.c.factory_id, ip_event.c.actor_id,
                                      ip_event.c.created_at)
                            .where(ip_event.c.kind == 'assessor_comment').order_by(ip_event.c.id)).all()
    by_factory: dict[int, list] = {}
    for row in cycles:
        by_factory.setdefault(row.factory_id, []).append(row)

    # Each comment goes with the report it was written for.
    for comment in comments:
        day = _day(comment.created_at)
        target = next((c.id for c in by_factory.get(comment.factory_id, [])
                       if c.assessment_date is not None
                       and (c.report_release_date is None or c.report_release_date >= day)), None)
        if target is not None:
            conn.execute(ip_event.update().where(ip_event.c.id == comment.id).values(cycle_id=target))

    # A lead assessor for every assessed cycle, where the rows name one.
    commenter = {}
    for comment in comments:
        if comment.actor_id is not None:
            commenter[comment.factory_id] = comment.actor_id  # the latest wins
    programmes = dict(conn.execute(sa.select(factory.c.id, factory.c.programme_id)).all())
    assessors: dict[int, list[int]] = {}
    for user_id, programme_id in conn.execute(sa.select(user.c.id, user.c.programme_id).where(
            user.c.role == 'assessor', user.c.active.is_(True)).order_by(user.c.id)):
        assessors.setdefault(programme_id, []).append(user_id)
    for factory_id, rows in by_factory.items():
        for row in rows:
            if row.assessment_date is None or row.lead_assessor_id is not None:
                continue
            others = sorted((c for c in rows if c.lead_assessor_id is not None),
                            key=lambda c, n=row.number: abs(c.number - n))
            only = assessors.get(programmes.get(factory_id), [])
            chosen = (commenter.get(factory_id) or (others[0].lead_assessor_id if others else None)
                      or (only[0] if len(only) == 1 else None))
            if chosen is not None:
                conn.execute(cycle.update().where(cycle.c.id == row.id).values(lead_assessor_id=chosen))


def downgrade():
    with op.batch_alter_table('ip_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ip_event_cycle_id_cycle'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ip_event_cycle_id'))
        batch_op.drop_column('cycle_id')
    with op.batch_alter_table('ip_item', schema=None) as batch_op:
        batch_op.drop_column('grievance_enhancement')
        batch_op.drop_column('grievance_mechanism_review')
