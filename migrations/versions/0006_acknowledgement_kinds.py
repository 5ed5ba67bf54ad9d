"""Acknowledgement kinds: what an answer carries moves into `details` (the iGOT email among it), with the
flag a kind counts apart, answers recorded by hand (who, why) and mismatches resolved (how, who, when).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def _json_of_email(column):
    """SQL for {"igot_email": column} on this database."""
    if op.get_bind().dialect.name == 'postgresql':
        return f"json_build_object('igot_email', {column})"
    return f"json_object('igot_email', {column})"


def _add_user_column(table, column):
    """A nullable reference to a staff user. SQLite adds one in place only as an inline REFERENCES, which
    Alembic does not write; a batch rebuild would have to copy tables that others refer to."""
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES "user" (id)')
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), sa.ForeignKey('user.id'), nullable=True))


def upgrade():
    for table in ('recipient', 'acknowledgement'):
        op.add_column(table, sa.Column('details', sa.JSON(), nullable=False, server_default='{}'))
        _add_user_column(table, 'recorded_by_id')
        op.execute(f"UPDATE {table} SET details = {_json_of_email('igot_email')} WHERE igot_email IS NOT NULL")
        op.drop_column(table, 'igot_email')
    op.add_column('recipient', sa.Column('flag', sa.String(length=16), nullable=True))
    op.add_column('recipient', sa.Column('resolution', sa.String(length=32), nullable=True))
    _add_user_column('recipient', 'resolved_by_id')
    op.add_column('recipient', sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('acknowledgement', sa.Column('reason', sa.String(length=300), nullable=True))


def downgrade():
    op.drop_column('acknowledgement', 'reason')
    for column in ('resolved_at', 'resolved_by_id', 'resolution', 'flag'):
        op.drop_column('recipient', column)
    for table in ('recipient', 'acknowledgement'):
        op.add_column(table, sa.Column('igot_email', sa.String(length=254), nullable=True))
        if op.get_bind().dialect.name == 'postgresql':
            op.execute(f"UPDATE {table} SET igot_email = details->>'igot_email'")
        else:
            op.execute(f"UPDATE {table} SET igot_email = json_extract(details, '$.igot_email')")
        op.drop_column(table, 'recorded_by_id')
        op.drop_column(table, 'details')
