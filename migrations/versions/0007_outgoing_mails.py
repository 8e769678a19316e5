"""Outgoing mail kept in the database until sent.

When sending fails after the commit (or for every message with MAIL_DEFERRED), the message is kept and
tick sends it: a mail server outage loses nothing.

Revision ID: 0007_outgoing_mails
Revises: 0006_usage_weights_index
Create Date: 2026-12-06 20:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_outgoing_mails'
down_revision = '0006_usage_weights_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outgoing_mails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('message', sa.LargeBinary(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_outgoing_mails_attempts_non_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_mails'))
    )
    # partial on both databases (PostgreSQL and SQLite 3.8+)
    op.execute("CREATE INDEX ix_outgoing_mails_unsent ON outgoing_mails (id) WHERE sent_at IS NULL")


def downgrade():
    op.execute("DROP INDEX ix_outgoing_mails_unsent")
    op.drop_table('outgoing_mails')
