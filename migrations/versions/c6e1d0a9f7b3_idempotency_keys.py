"""Idempotency keys for saves replayed from a device's offline queue (issue 19 item 6)

One row per (user, key): the first answer's status, kept a week. No existing rows need data.

Revision ID: c6e1d0a9f7b3
Revises: b19c0a7e5d42
Create Date: 2026-12-07 04:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c6e1d0a9f7b3'
down_revision = 'b19c0a7e5d42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'idempotency_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('target', sa.String(length=300), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'key', name='uq_idempotency_key_user_key'),
    )
    op.create_index('ix_idempotency_key_created_at', 'idempotency_key', ['created_at'])


def downgrade():
    op.drop_index('ix_idempotency_key_created_at', table_name='idempotency_key')
    op.drop_table('idempotency_key')
