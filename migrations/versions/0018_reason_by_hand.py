"""Why staff recorded an answer by hand, kept on the recipient beside who did (the latest answer's reason), so
that the letter's page, its spreadsheet and the API show it.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 21:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    # Added and dropped in place, not in batch: rebuilding `recipient` on SQLite would lose its tally triggers.
    op.add_column('recipient', sa.Column('reason', sa.String(length=300), nullable=True))
    op.execute(
        "UPDATE recipient SET reason = (SELECT a.reason FROM acknowledgement a WHERE a.recipient_id = recipient.id"
        " ORDER BY a.id DESC LIMIT 1) WHERE recorded_by_id IS NOT NULL"
    )


def downgrade():
    op.drop_column('recipient', 'reason')
