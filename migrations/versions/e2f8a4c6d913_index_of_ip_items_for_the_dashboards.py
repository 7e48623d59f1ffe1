"""An index of IP items for the dashboards: counted by status, target date, factory, cluster and
cycle from the index alone, not from the wide rows

Revision ID: e2f8a4c6d913
Revises: d7a3c5e91b24
Create Date: 2026-12-06 23:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e2f8a4c6d913'
down_revision = 'd7a3c5e91b24'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_ip_item_figures', 'ip_item',
                    ['status', 'target_date', 'factory_id', 'cluster_id', 'cycle_id'], unique=False)


def downgrade():
    op.drop_index('ix_ip_item_figures', table_name='ip_item')
