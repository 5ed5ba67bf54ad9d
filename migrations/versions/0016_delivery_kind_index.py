"""An index on a letter's emails by kind and status: the copies to offices are counted without reading every email.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 16:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_endorsement_kind', ['endorsement_id', 'kind', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_endorsement_kind')
