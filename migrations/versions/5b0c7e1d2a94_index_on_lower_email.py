"""An index on lower(email): sign-in, password reset and invitations find users by it

Revision ID: 5b0c7e1d2a94
Revises: 90095d2bdbcf
Create Date: 2026-12-05 23:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b0c7e1d2a94'
down_revision = '90095d2bdbcf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_user_lower_email', 'user', [sa.text('lower(email)')], unique=False)


def downgrade():
    op.drop_index('ix_user_lower_email', table_name='user')
