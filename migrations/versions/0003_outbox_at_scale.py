"""The outbox at scale: each email's kind, round and address, copies to offices, pause and cancel,
scheduled reminders, bounced addresses. Existing emails are carried over: a reminder keeps its place
as round 1, 2... of its recipient's reminders.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 02:26:58.024707

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('endorsement_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('round', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('to_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('to_email', sa.String(length=254), nullable=True))

    # Every existing email went to an officer: its letter, or a reminder numbered in order.
    op.execute(
        """
        UPDATE delivery SET
          endorsement_id = (SELECT r.endorsement_id FROM recipient r WHERE r.id = delivery.recipient_id),
          to_email = (SELECT r.email FROM recipient r WHERE r.id = delivery.recipient_id),
          to_name = (SELECT o.name FROM recipient r JOIN officer o ON o.id = r.officer_id
                     WHERE r.id = delivery.recipient_id),
          kind = CASE WHEN is_reminder THEN 'reminder' ELSE 'letter' END,
          round = CASE WHEN is_reminder THEN
                    (SELECT count(*) FROM delivery d2
                     WHERE d2.recipient_id = delivery.recipient_id AND d2.is_reminder AND d2.id <= delivery.id)
                  ELSE 0 END
        """
    )

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        for name in ('endorsement_id', 'kind', 'round', 'to_name', 'to_email'):
            batch_op.alter_column(name, nullable=False)
        batch_op.alter_column('recipient_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index('ix_delivery_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_endorsement_id'), ['endorsement_id'], unique=False)
        batch_op.create_unique_constraint('uq_delivery_address_kind_round', ['endorsement_id', 'to_email', 'kind', 'round'])
        batch_op.create_unique_constraint('uq_delivery_recipient_kind_round', ['recipient_id', 'kind', 'round'])
        batch_op.create_foreign_key(batch_op.f('fk_delivery_endorsement_id_endorsement'), 'endorsement', ['endorsement_id'], ['id'])
        batch_op.drop_column('is_reminder')

    with op.batch_alter_table('endorsement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sending', sa.String(length=16), server_default='active', nullable=False))
        batch_op.add_column(sa.Column('reminder_rounds', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('remind_every_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('remind_at_most', sa.Integer(), nullable=True))
    op.execute(
        """
        UPDATE endorsement SET reminder_rounds = COALESCE(
          (SELECT max(d.round) FROM delivery d WHERE d.endorsement_id = endorsement.id AND d.kind = 'reminder'), 0)
        """
    )

    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_bounced_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('email_bounce_reason', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.drop_column('email_bounce_reason')
        batch_op.drop_column('email_bounced_at')

    with op.batch_alter_table('endorsement', schema=None) as batch_op:
        batch_op.drop_column('remind_at_most')
        batch_op.drop_column('remind_every_days')
        batch_op.drop_column('reminder_rounds')
        batch_op.drop_column('sending')

    op.execute("DELETE FROM delivery WHERE kind = 'copy'")
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_reminder', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE delivery SET is_reminder = (kind = 'reminder')")
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_delivery_endorsement_id_endorsement'), type_='foreignkey')
        batch_op.drop_constraint('uq_delivery_recipient_kind_round', type_='unique')
        batch_op.drop_constraint('uq_delivery_address_kind_round', type_='unique')
        batch_op.drop_index(batch_op.f('ix_delivery_endorsement_id'))
        batch_op.drop_index('ix_delivery_due')
        batch_op.alter_column('recipient_id', existing_type=sa.INTEGER(), nullable=False)
        for name in ('to_email', 'to_name', 'round', 'kind', 'endorsement_id'):
            batch_op.drop_column(name)
