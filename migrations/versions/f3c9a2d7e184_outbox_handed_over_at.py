"""The outbox records when an e-mail is handed to the mail server (issue 17 item 4): outbox.handed_over_at

Set in its own committed transaction just before the SMTP exchange. A row whose claim ran
out after it is closed as "possibly sent" instead of being sent a second time; a row whose
claim ran out before it is sent again, as until now. Existing rows have none (NULL): they
behave as before.

Revision ID: f3c9a2d7e184
Revises: b4e6d2a8c731
Create Date: 2026-12-07 03:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f3c9a2d7e184'
down_revision = 'b4e6d2a8c731'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.add_column(sa.Column('handed_over_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.drop_column('handed_over_at')
