"""Findings files imported in the background (issue 17 item 9): findings_import

A workbook that takes more than a moment to read is stored and read by a worker, not by the
web request; this table holds each such import's state and result. One row per (report,
user, file, findings the report had) while not failed: a second upload of the same file finds
the first. No existing rows need data.

Revision ID: e7b2c5a91d04
Revises: d4a8e3b17c52
Create Date: 2026-12-08 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'e7b2c5a91d04'
down_revision = 'd4a8e3b17c52'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('findings_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('factory_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('existing', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=100), nullable=False),
    sa.Column('status', sa.Enum('queued', 'reading', 'ready', 'refused', 'imported', 'failed', name='findingsimportstatus', native_enum=False, length=20), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_findings_import_cycle_id_cycle')),
    sa.ForeignKeyConstraint(['factory_id'], ['factory.id'], name=op.f('fk_findings_import_factory_id_factory')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_findings_import_requested_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_findings_import'))
    )
    with op.batch_alter_table('findings_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_findings_import_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_import_factory_id'), ['factory_id'], unique=False)
        batch_op.create_index('uq_findings_import_same_file', ['cycle_id', 'requested_by_id', 'digest', 'existing'], unique=True, sqlite_where=sa.text("status <> 'failed'"), postgresql_where=sa.text("status <> 'failed'"))



def downgrade():
    with op.batch_alter_table('findings_import', schema=None) as batch_op:
        batch_op.drop_index('uq_findings_import_same_file', sqlite_where=sa.text("status <> 'failed'"), postgresql_where=sa.text("status <> 'failed'"))
        batch_op.drop_index(batch_op.f('ix_findings_import_factory_id'))
        batch_op.drop_index(batch_op.f('ix_findings_import_cycle_id'))

    op.drop_table('findings_import')
