"""Administration: invitations, audit trail, account managers, subscription decisions

Revision ID: 6e53f5ac36dc
Revises: f62215b04cb6
Create Date: 2026-11-22 07:35:52.518657

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6e53f5ac36dc'
down_revision = 'f62215b04cb6'
branch_labels = None
depends_on = None


def _sqlite_foreign_keys(on: bool) -> None:
    """SQLite rebuilds a table to alter it (batch mode) and cannot drop a table other rows
    refer to while it enforces foreign keys: enforcement is off while the tables are rebuilt
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
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('programme_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('object_label', sa.String(length=300), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('remote_addr', sa.String(length=45), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_audit_event_actor_id_user')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_audit_event_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_audit_event_programme_at', ['programme_id', 'at'], unique=False)

    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('factory', 'ea', 'assessor', 'buyer', 'admin', name='role', native_enum=False, length=20), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('factory_id', sa.Integer(), nullable=True),
    sa.Column('buyer_organisation_id', sa.Integer(), nullable=True),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('is_account_manager', sa.Boolean(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['buyer_organisation_id'], ['buyer_organisation.id'], name=op.f('fk_invitation_buyer_organisation_id_buyer_organisation')),
    sa.ForeignKeyConstraint(['factory_id'], ['factory.id'], name=op.f('fk_invitation_factory_id_factory')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user.id'], name=op.f('fk_invitation_invited_by_id_user')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_invitation_programme_id_programme')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_invitation_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitation_token_hash'))
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitation_factory_id'), ['factory_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitation_programme_id'), ['programme_id'], unique=False)

    with op.batch_alter_table('ea_assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_ea_assignment_assigned_by_id_user'), 'user', ['assigned_by_id'], ['id'])

    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requested_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_subscription_decided_by_id_user'), 'user', ['decided_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_subscription_requested_by_id_user'), 'user', ['requested_by_id'], ['id'])

    with op.batch_alter_table('user', schema=None) as batch_op:
        # Existing users are not account managers; the default fills their rows.
        batch_op.add_column(sa.Column('is_account_manager', sa.Boolean(), server_default=sa.false(), nullable=False))
    _sqlite_foreign_keys(True)


def downgrade():
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('is_account_manager')

    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_subscription_requested_by_id_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_subscription_decided_by_id_user'), type_='foreignkey')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('requested_by_id')

    with op.batch_alter_table('ea_assignment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ea_assignment_assigned_by_id_user'), type_='foreignkey')
        batch_op.drop_column('assigned_by_id')

    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_programme_id'))
        batch_op.drop_index(batch_op.f('ix_invitation_factory_id'))
        batch_op.drop_index(batch_op.f('ix_invitation_email'))

    op.drop_table('invitation')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_programme_at')
        batch_op.drop_index(batch_op.f('ix_audit_event_actor_id'))

    op.drop_table('audit_event')
    _sqlite_foreign_keys(True)
