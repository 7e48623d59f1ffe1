"""A partial index of IP items awaiting verification: the EAs' queues read every item without it

Revision ID: 8d2f4a6c1e37
Revises: 5b0c7e1d2a94
Create Date: 2026-12-06 00:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d2f4a6c1e37'
down_revision = '5b0c7e1d2a94'
branch_labels = None
depends_on = None

AWAITING = "remediation_reported_at IS NOT NULL AND status <> 'completed'"


def upgrade():
    op.create_index('ix_ip_item_awaiting_verification', 'ip_item', ['factory_id'], unique=False,
                    sqlite_where=sa.text(AWAITING), postgresql_where=sa.text(AWAITING))


def downgrade():
    op.drop_index('ix_ip_item_awaiting_verification', table_name='ip_item',
                  sqlite_where=sa.text(AWAITING), postgresql_where=sa.text(AWAITING))
