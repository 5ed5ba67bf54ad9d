"""Letters numbered from the office's series: an endorsement keeps its year and serial where its file number
came from the pattern in the office's settings, and no two letters of a year share a serial.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('endorsement', sa.Column('file_year', sa.Integer(), nullable=True))
    op.add_column('endorsement', sa.Column('file_serial', sa.Integer(), nullable=True))
    # A unique index rather than a constraint: SQLite adds it without rebuilding the table.
    op.create_index('uq_endorsement_file_serial', 'endorsement', ['file_year', 'file_serial'], unique=True)


def downgrade():
    op.drop_index('uq_endorsement_file_serial', table_name='endorsement')
    op.drop_column('endorsement', 'file_serial')
    op.drop_column('endorsement', 'file_year')
