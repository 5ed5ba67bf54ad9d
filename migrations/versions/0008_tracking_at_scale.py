"""Following a letter up at 100,000 recipients: indexes that let its page count by state and by email
status, find the few failed or bounced emails, each recipient's latest email and first answer, and list
officers by name, without reading every row. Three single-column indexes become the first column of
wider ones.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 18:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_recipient_endorsement_state', 'recipient', ['endorsement_id', 'state'], unique=False)
    op.create_index(
        'ix_delivery_endorsement_status', 'delivery', ['endorsement_id', 'status', 'sent_at', 'recipient_id'], unique=False
    )
    op.create_index('ix_delivery_endorsement_created', 'delivery', ['endorsement_id', 'created_at'], unique=False)
    op.create_index('ix_delivery_recipient_latest', 'delivery', ['recipient_id', 'id', 'status'], unique=False)
    op.create_index('ix_acknowledgement_recipient_at', 'acknowledgement', ['recipient_id', 'at'], unique=False)
    op.create_index(op.f('ix_officer_name'), 'officer', ['name'], unique=False)
    op.drop_index('ix_delivery_endorsement_id', table_name='delivery')
    op.drop_index('ix_delivery_recipient_id', table_name='delivery')
    op.drop_index('ix_acknowledgement_recipient_id', table_name='acknowledgement')


def downgrade():
    op.create_index('ix_acknowledgement_recipient_id', 'acknowledgement', ['recipient_id'], unique=False)
    op.create_index('ix_delivery_recipient_id', 'delivery', ['recipient_id'], unique=False)
    op.create_index('ix_delivery_endorsement_id', 'delivery', ['endorsement_id'], unique=False)
    op.drop_index(op.f('ix_officer_name'), table_name='officer')
    op.drop_index('ix_acknowledgement_recipient_at', table_name='acknowledgement')
    op.drop_index('ix_delivery_recipient_latest', table_name='delivery')
    op.drop_index('ix_delivery_endorsement_created', table_name='delivery')
    op.drop_index('ix_delivery_endorsement_status', table_name='delivery')
    op.drop_index('ix_recipient_endorsement_state', table_name='recipient')
