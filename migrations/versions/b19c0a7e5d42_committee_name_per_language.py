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


def _sqlite_foreign_keys(on: bool) -> None:
    """SQLite rebuilds the table to alter it (batch mode) and cannot drop a table other rows
    refer to while it enforces foreign keys: enforcement is off while the table is rebuilt
    (outside a transaction, where SQLite allows the switch), then checked and back on."""
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.get_context().autocommit_block():
        if on:
            broken = op.get_bind().exec_driver_sql('PRAGMA foreign_key_check').fetchall()
            if broken:
                raise RuntimeError(f'rows refer to rows that are gone: {broken[:5]}')
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade():
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('programme') as batch_op:
        batch_op.add_column(sa.Column('committee_names', sa.JSON(), nullable=True))
    op.execute(sa.text("UPDATE programme SET committee_names = '{}'"))
    with op.batch_alter_table('programme') as batch_op:
        batch_op.alter_column('committee_names', existing_type=sa.JSON(), nullable=False)
    _sqlite_foreign_keys(True)


def downgrade():
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('programme') as batch_op:
        batch_op.drop_column('committee_names')
    _sqlite_foreign_keys(True)
