"""A letter's list in name order and its answers chart, read from indexes at 100,000 recipients: each
recipient keeps the officer's name and the time of their first answer; the counts index covers the flag,
the answers recorded by hand and the mismatches resolved.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('recipient', sa.Column('name', sa.String(length=200), nullable=False, server_default=''))
    op.add_column('recipient', sa.Column('first_answered_at', sa.DateTime(timezone=True), nullable=True))
    op.execute('UPDATE recipient SET name = (SELECT officer.name FROM officer WHERE officer.id = recipient.officer_id)')
    op.execute(
        'UPDATE recipient SET first_answered_at = '
        '(SELECT min(acknowledgement.at) FROM acknowledgement WHERE acknowledgement.recipient_id = recipient.id)'
    )
    op.drop_index('ix_recipient_endorsement_state', table_name='recipient')
    op.create_index(
        'ix_recipient_endorsement_counts',
        'recipient',
        ['endorsement_id', 'state', 'flag', 'recorded_by_id', 'resolution'],
        unique=False,
    )
    op.create_index('ix_recipient_endorsement_name', 'recipient', ['endorsement_id', 'name', 'id'], unique=False)
    op.create_index(
        'ix_recipient_endorsement_answered', 'recipient', ['endorsement_id', 'first_answered_at'], unique=False
    )


def downgrade():
    op.drop_index('ix_recipient_endorsement_answered', table_name='recipient')
    op.drop_index('ix_recipient_endorsement_name', table_name='recipient')
    op.drop_index('ix_recipient_endorsement_counts', table_name='recipient')
    op.create_index('ix_recipient_endorsement_state', 'recipient', ['endorsement_id', 'state'], unique=False)
    # Dropped in place (SQLite 3.35+), as 0006 does: a batch rebuild would write the table's references
    # as constraints that SQLite then refuses to drop columns from.
    op.drop_column('recipient', 'first_answered_at')
    op.drop_column('recipient', 'name')
