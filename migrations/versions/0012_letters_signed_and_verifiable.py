"""Letters signed and verifiable: each issued endorsement keeps the public code its letter prints for the
verify page (/v/<code>), and whose certificate signed it (none when issued unsigned).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('endorsement', sa.Column('verify_code', sa.String(length=16), nullable=True))
    op.add_column('endorsement', sa.Column('signed_by', sa.String(length=300), nullable=True))
    # A unique index rather than a constraint: SQLite adds it without rebuilding the table.
    op.create_index('ix_endorsement_verify_code', 'endorsement', ['verify_code'], unique=True)


def downgrade():
    op.drop_index('ix_endorsement_verify_code', table_name='endorsement')
    # Dropped in place (SQLite 3.35+), as 0009 does.
    op.drop_column('endorsement', 'signed_by')
    op.drop_column('endorsement', 'verify_code')
