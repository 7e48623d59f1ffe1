"""A buyer's weekly digest e-mail setting, off for everyone until they turn it on

Revision ID: d7a3c5e91b24
Revises: c4e9b2f7a610
Create Date: 2026-12-06 23:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd7a3c5e91b24'
down_revision = 'c4e9b2f7a610'
branch_labels = None
depends_on = None


def upgrade():
    # server_default false: every existing account starts with the digest off. A plain ADD
    # COLUMN (SQLite has it too): batch mode would copy the table on SQLite and lose the
    # expression index ix_user_lower_email, which SQLAlchemy cannot read back.
    op.add_column('user', sa.Column('weekly_digest', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('user') as batch:
        batch.drop_column('weekly_digest')
    if op.get_bind().dialect.name == 'sqlite':  # the copy lost it (see upgrade)
        op.create_index('ix_user_lower_email', 'user', [sa.text('lower(email)')], unique=False)
