"""Memo readings: what was read off each uploaded memo (OCR of a scan in the background, with its
progress); how sure the reading was of the particulars a circular kept; full-text search of the
register on PostgreSQL.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 03:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# The expression services.register searches by, indexed (PostgreSQL only; SQLite searches with LIKE).
SEARCH_INDEX = (
    "CREATE INDEX ix_circular_search ON circular USING gin "
    "(to_tsvector('simple', reference_no || ' ' || subject || ' ' || text))"
)


def upgrade():
    op.create_table('memo_reading',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('ocr_pages', sa.JSON(), nullable=False),
    sa.Column('ocr_done', sa.Integer(), nullable=False),
    sa.Column('ocr_seconds', sa.Float(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_memo_reading'))
    )
    # Added in place (no table rebuild: other tables refer to circular): existing circulars kept
    # nothing as suggested.
    op.add_column('circular', sa.Column('confidence', sa.JSON(), nullable=False, server_default='{}'))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(SEARCH_INDEX)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX ix_circular_search")
    with op.batch_alter_table('circular', schema=None) as batch_op:
        batch_op.drop_column('confidence')
    op.drop_table('memo_reading')
