"""The read API (API-1): personal access tokens (only a hash kept), and the feed of changes
brands sync from, started with an entry for every object that exists already

Revision ID: a7f3c91e5d20
Revises: e2f8a4c6d913
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7f3c91e5d20'
down_revision = 'e2f8a4c6d913'
branch_labels = None
depends_on = None

# The id of the writing transaction (PostgreSQL 13+). SQLite serialises its writers, so the
# entry's own id gives the commit order there and txid stays 0.
TXID_PG = "pg_current_xact_id()::text::bigint"

# What exists when the feed starts, so a first sync "since" any time finds it.
BACKFILL = (
    ("factory", "SELECT id, id, COALESCE(updated_at, created_at) FROM factory"),
    ("cycle", "SELECT factory_id, id, created_at FROM cycle"),
    ("ip_item", "SELECT factory_id, id, COALESCE(updated_at, created_at) FROM ip_item"),
    ("report", "SELECT factory_id, id, COALESCE(approved_at, submitted_at, created_at) FROM progress_report"),
    ("public_finding", "SELECT f.factory_id, f.id, COALESCE(r.updated_at, f.created_at) FROM finding f"
                       " LEFT JOIN public_response r ON r.finding_id = f.id WHERE f.publicly_reported"),
)


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_addr', sa.String(length=45), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('audit_event_id', sa.Integer(), nullable=True),
    sa.Column('audit_window', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_requests', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_api_token_user_id_user')),
    sa.ForeignKeyConstraint(['audit_event_id'], ['audit_event.id'], name=op.f('fk_api_token_audit_event_id_audit_event'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('api_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('txid', sa.BigInteger(), server_default=sa.text(TXID_PG) if postgresql else '0', nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('factory_id', sa.Integer(), nullable=False),
    sa.Column('resource', sa.String(length=30), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('removed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['factory_id'], ['factory.id'], name=op.f('fk_api_change_factory_id_factory')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_change'))
    )
    with op.batch_alter_table('api_change', schema=None) as batch_op:
        batch_op.create_index('ix_api_change_txid_id', ['txid', 'id'], unique=False)
        batch_op.create_index('ix_api_change_at', ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_change_factory_id'), ['factory_id'], unique=False)

    false = "false" if postgresql else "0"
    for resource, rows in BACKFILL:
        op.execute(f"INSERT INTO api_change (factory_id, object_id, at, resource, removed) "
                   f"SELECT q.*, '{resource}', {false} FROM ({rows}) AS q")


def downgrade():
    with op.batch_alter_table('api_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_change_factory_id'))
        batch_op.drop_index('ix_api_change_at')
        batch_op.drop_index('ix_api_change_txid_id')
    op.drop_table('api_change')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))
    op.drop_table('api_token')
