"""An index of subscriptions by request time: the admin's list sorted all of them for each page

Revision ID: c4e9b2f7a610
Revises: 8d2f4a6c1e37
Create Date: 2026-12-06 00:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4e9b2f7a610'
down_revision = '8d2f4a6c1e37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_subscription_requested_at_id', 'subscription', ['requested_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_subscription_requested_at_id', table_name='subscription')
