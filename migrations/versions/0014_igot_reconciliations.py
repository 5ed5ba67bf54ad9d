"""Reconciliations with iGOT Karmayogi's own reports: one row per export read (its counts, the report's date,
who read it; never the file or its password) and one per roster officer with what the portal said of them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 12:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reconciliation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('report_generated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('prescribed', sa.JSON(), nullable=False),
    sa.Column('prescribed_by', sa.String(length=10), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_reconciliation_created_by_id_user')),
    sa.ForeignKeyConstraint(['previous_id'], ['reconciliation.id'], name=op.f('fk_reconciliation_previous_id_reconciliation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation'))
    )
    op.create_table('reconciled_officer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reconciliation_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('result', sa.String(length=12), nullable=False),
    sa.Column('matched_by', sa.String(length=12), nullable=True),
    sa.Column('sparrow_email', sa.String(length=254), nullable=False),
    sa.Column('igot_email', sa.String(length=254), nullable=True),
    sa.Column('igot_name', sa.String(length=200), nullable=True),
    sa.Column('candidates', sa.Integer(), nullable=False),
    sa.Column('courses_completed', sa.Integer(), nullable=False),
    sa.Column('courses_in_progress', sa.Integer(), nullable=False),
    sa.Column('courses_not_started', sa.Integer(), nullable=False),
    sa.Column('all_courses_done', sa.Boolean(), nullable=False),
    sa.Column('assessment_done', sa.Boolean(), nullable=False),
    sa.Column('was', sa.String(length=12), nullable=True),
    sa.ForeignKeyConstraint(['officer_id'], ['officer.id'], name=op.f('fk_reconciled_officer_officer_id_officer')),
    sa.ForeignKeyConstraint(['reconciliation_id'], ['reconciliation.id'], name=op.f('fk_reconciled_officer_reconciliation_id_reconciliation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciled_officer')),
    sa.UniqueConstraint('reconciliation_id', 'officer_id', name=op.f('uq_reconciled_officer_reconciliation_id'))
    )
    with op.batch_alter_table('reconciled_officer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciled_officer_officer_id'), ['officer_id'], unique=False)
        batch_op.create_index('ix_reconciled_officer_result', ['reconciliation_id', 'result', 'name', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('reconciled_officer', schema=None) as batch_op:
        batch_op.drop_index('ix_reconciled_officer_result')
        batch_op.drop_index(batch_op.f('ix_reconciled_officer_officer_id'))

    op.drop_table('reconciled_officer')
    op.drop_table('reconciliation')
