"""The office's settings, set from an admin page rather than the environment: one row of particulars and an emblem.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 08:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'office',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('particulars', sa.JSON(), nullable=False),
        sa.Column('emblem_sha256', sa.String(length=64), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_office_updated_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_office')),
    )


def downgrade():
    op.drop_table('office')
