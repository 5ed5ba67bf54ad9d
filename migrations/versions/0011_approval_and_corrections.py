"""Prepare, approve, issue: a draft sent for approval (when, by whom), and a correction naming the letter it
replaces.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 08:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def _add_reference(column, table):
    """A nullable reference. SQLite adds one in place only as an inline REFERENCES (as 0006 does)."""
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE endorsement ADD COLUMN {column} INTEGER REFERENCES "{table}" (id)')
    else:
        op.add_column('endorsement', sa.Column(column, sa.Integer(), sa.ForeignKey(f'{table}.id'), nullable=True))


def upgrade():
    op.add_column('endorsement', sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True))
    _add_reference('submitted_by_id', 'user')
    _add_reference('supersedes_id', 'endorsement')
    op.create_index('uq_endorsement_supersedes_id', 'endorsement', ['supersedes_id'], unique=True)


def downgrade():
    op.drop_index('uq_endorsement_supersedes_id', table_name='endorsement')
    for column in ('supersedes_id', 'submitted_by_id', 'submitted_at'):
        op.drop_column('endorsement', column)
