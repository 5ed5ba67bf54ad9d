"""A letter's running counts, kept by the database: each recipient's and email's change adds rows to `tally`,
and a letter's counts are their sums (models.tally). Each recipient carries what its emails add up to.

What is already stored is counted first, as the triggers would have counted it; then the triggers are made.
The answers chart and the copies' counts now read the tally: their indexes go.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 18:30:00

"""
import sqlalchemy as sa
from alembic import op

from models import tally


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('recipient', sa.Column('latest_email', sa.String(length=16), nullable=True))
    for column in ('reached', 'bounced', 'busy'):
        op.add_column('recipient', sa.Column(column, sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        'tally',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('endorsement_id', sa.Integer(), nullable=False),
        sa.Column('counter', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=40), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('folded_upto', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['endorsement_id'], ['endorsement.id'], name=op.f('fk_tally_endorsement_id_endorsement')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tally')),
    )
    op.create_index('ix_tally_endorsement', 'tally', ['endorsement_id', 'id'], unique=False)
    op.create_index('ix_tally_endorsement_folded', 'tally', ['endorsement_id', 'folded_upto'], unique=False)
    dialect = op.get_bind().dialect
    for statement in tally.counted_from_rows(dialect) + tally.statements(dialect):
        op.execute(statement)
    op.drop_index('ix_recipient_endorsement_answered', table_name='recipient')
    op.drop_index('ix_delivery_endorsement_kind', table_name='delivery')
    op.create_index(
        'ix_recipient_endorsement_email', 'recipient', ['endorsement_id', 'latest_email', 'name', 'id'], unique=False
    )


def downgrade():
    op.drop_index('ix_recipient_endorsement_email', table_name='recipient')
    op.create_index('ix_delivery_endorsement_kind', 'delivery', ['endorsement_id', 'kind', 'status'], unique=False)
    op.create_index(
        'ix_recipient_endorsement_answered', 'recipient', ['endorsement_id', 'first_answered_at'], unique=False
    )
    for statement in tally.dropped(op.get_bind().dialect):
        op.execute(statement)
    op.drop_index('ix_tally_endorsement_folded', table_name='tally')
    op.drop_index('ix_tally_endorsement', table_name='tally')
    op.drop_table('tally')
    # Dropped in place (SQLite 3.35+), as 0009 does.
    for column in ('busy', 'bounced', 'reached', 'latest_email'):
        op.drop_column('recipient', column)
