"""Resumable uploads and evidence on IP items (issue 19): upload, ip_item_file

``upload`` holds the state of a file being sent in chunks (the chunks are in storage);
``ip_item_file`` the evidence a factory attaches to an IP item. New tables only, and a new
value of ip_event.kind ("evidence"), which is a VARCHAR: no data to change.

Revision ID: b5d19e7c3a40
Revises: f3c9a2d7e184
Create Date: 2026-12-07 03:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b5d19e7c3a40'
down_revision = 'f3c9a2d7e184'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'upload',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('factory_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('received', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'),
                  nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'),
                  nullable=False),
        sa.ForeignKeyConstraint(['factory_id'], ['factory.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token'),
    )
    op.create_index(op.f('ix_upload_factory_id'), 'upload', ['factory_id'], unique=False)
    op.create_index(op.f('ix_upload_updated_at'), 'upload', ['updated_at'], unique=False)
    op.create_table(
        'ip_item_file',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('factory_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('storage_key', sa.String(length=120), nullable=False),
        sa.Column('original_name', sa.String(length=255), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'),
                  nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['ip_event.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['factory_id'], ['factory.id']),
        sa.ForeignKeyConstraint(['item_id'], ['ip_item.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('storage_key'),
    )
    op.create_index(op.f('ix_ip_item_file_factory_id'), 'ip_item_file', ['factory_id'], unique=False)
    op.create_index(op.f('ix_ip_item_file_item_id'), 'ip_item_file', ['item_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_ip_item_file_item_id'), table_name='ip_item_file')
    op.drop_index(op.f('ix_ip_item_file_factory_id'), table_name='ip_item_file')
    op.drop_table('ip_item_file')
    op.drop_index(op.f('ix_upload_updated_at'), table_name='upload')
    op.drop_index(op.f('ix_upload_factory_id'), table_name='upload')
    op.drop_table('upload')
