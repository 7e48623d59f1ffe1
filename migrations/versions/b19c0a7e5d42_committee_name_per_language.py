"""The programme's committee name per language (issue 19 item 9): programme.committee_names

{"km": {"short": "…", "long": "…"}, "ar": {…}}: the name a Khmer or Arabic interface shows; a
language without one falls back to committee_short / committee_long. Data: every existing
programme starts with no translated name ({}), so what users read is unchanged.

Revision ID: b19c0a7e5d42
Revises: b5d19e7c3a40
Create Date: 2026-12-07 03:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b19c0a7e5d42'
down_revision = 'b5d19e7c3a40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('programme') as batch_op:
        batch_op.add_column(sa.Column('committee_names', sa.JSON(), nullable=True))
    op.execute(sa.text("UPDATE programme SET committee_names = '{}'"))
    with op.batch_alter_table('programme') as batch_op:
        batch_op.alter_column('committee_names', existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table('programme') as batch_op:
        batch_op.drop_column('committee_names')
