"""IP items know their factory's programme, and an index of a programme's items by status,
cluster and target date: the programme dashboard counted 410,000 items by looking each one's
factory up (issue 21)

Existing items take their factory's programme (a factory never changes programme). And an
index of advisory visits by factory and date: whether an item's verification is past due is
then a range of it.

Revision ID: a7d3e9c2b1f4
Revises: e7b2c5a91d04
Create Date: 2026-12-07 07:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a7d3e9c2b1f4'
down_revision = 'e7b2c5a91d04'
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
    with op.batch_alter_table('ip_item') as batch:
        batch.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
    op.execute("UPDATE ip_item SET programme_id = (SELECT factory.programme_id FROM factory "
               "WHERE factory.id = ip_item.factory_id)")
    with op.batch_alter_table('ip_item') as batch:
        batch.alter_column('programme_id', existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key('fk_ip_item_programme_id_programme', 'programme', ['programme_id'], ['id'])
        batch.create_index('ix_ip_item_programme_figures',
                           ['programme_id', 'status', 'cluster_id', 'target_date', 'factory_id'], unique=False)
    _sqlite_foreign_keys(True)
    op.create_index('ix_advisory_visit_factory_date', 'advisory_visit', ['factory_id', 'visit_date'], unique=False)


def downgrade():
    op.drop_index('ix_advisory_visit_factory_date', table_name='advisory_visit')
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('ip_item') as batch:
        batch.drop_index('ix_ip_item_programme_figures')
        batch.drop_constraint('fk_ip_item_programme_id_programme', type_='foreignkey')
        batch.drop_column('programme_id')
    _sqlite_foreign_keys(True)
