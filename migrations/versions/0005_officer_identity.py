"""The officer's identity: the service's identity number, cadre and posting; the email compared by a key of its
own (shown as given); the emails an officer had before.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # Added in place, with unique indexes rather than constraints: other tables refer to officer, and SQLite
    # would have to rebuild it for a constraint.
    op.add_column('officer', sa.Column('identity_no', sa.String(length=20), nullable=True))
    op.add_column('officer', sa.Column('cadre', sa.String(length=40), nullable=False, server_default=''))
    op.add_column('officer', sa.Column('posting', sa.String(length=200), nullable=False, server_default=''))
    op.add_column('officer', sa.Column('email_key', sa.String(length=254), nullable=False, server_default=''))
    op.execute("UPDATE officer SET email_key = lower(trim(sparrow_email))")
    op.create_index(op.f('ix_officer_email_key'), 'officer', ['email_key'], unique=True)
    op.create_index(op.f('ix_officer_identity_no'), 'officer', ['identity_no'], unique=True)
    op.create_table('officer_email',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['officer.id'], name=op.f('fk_officer_email_officer_id_officer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officer_email'))
    )
    op.create_index(op.f('ix_officer_email_officer_id'), 'officer_email', ['officer_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_officer_email_officer_id'), table_name='officer_email')
    op.drop_table('officer_email')
    op.drop_index(op.f('ix_officer_identity_no'), table_name='officer')
    op.drop_index(op.f('ix_officer_email_key'), table_name='officer')
    for name in ('email_key', 'posting', 'cadre', 'identity_no'):
        op.drop_column('officer', name)
