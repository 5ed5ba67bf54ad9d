"""The audit log is written once: the database itself refuses to change or delete an audit event, whatever
the code that asks (the models refuse first; this holds for SQL that bypasses them).

On SQLite, a migration that rebuilds audit_event (batch mode copies the table) loses these triggers and
must make them again.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 10:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

REFUSAL = 'the audit log cannot be changed or deleted'

POSTGRESQL = [
    f"""CREATE FUNCTION audit_event_is_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSAL} (% on audit_event)', TG_OP;
    END $$""",
    "CREATE TRIGGER audit_event_is_fixed BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_is_fixed()",
    # TRUNCATE fires no row trigger: emptying the log is refused on its own.
    "CREATE TRIGGER audit_event_is_not_emptied BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_is_fixed()",
]

SQLITE = [
    f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
    f"CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
]


def upgrade():
    for statement in POSTGRESQL if op.get_bind().dialect.name == 'postgresql' else SQLITE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER audit_event_is_not_emptied ON audit_event")
        op.execute("DROP TRIGGER audit_event_is_fixed ON audit_event")
        op.execute("DROP FUNCTION audit_event_is_fixed()")
    else:
        op.execute("DROP TRIGGER audit_event_no_delete")
        op.execute("DROP TRIGGER audit_event_no_update")
