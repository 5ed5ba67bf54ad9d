"""A letter's running counts, kept by the database: each change to a recipient or an email adds rows here.

Counting a letter to 100,000 officers from its rows takes time that grows with the letter; the sums of these
rows are the same figures read from a few hundred. The database writes them, by triggers on `recipient` and
`delivery`, so that no write (the ORM's, a bulk UPDATE, a migration's) can leave them behind. The triggers only
ever add rows, never update a shared one, so answers and emails written at once never wait on each other for
a count. Every `FOLD_EVERY`th row folds its letter's rows since the last fold into one per value.

Each recipient also carries what its emails (letter and reminders) add up to: the latest one's status, and
whether any got through, came back or is on its way. The emails' triggers keep those, and the recipient's
triggers count them.

SQLite loses a table's triggers when a migration rebuilds it (batch mode): such a migration must make them
again (`statements`).
"""

# The SQL here is made of this module's own constants and column names: nothing anyone types reaches it.
# ruff: noqa: S608

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.compiler import SQLCompiler

from models.base import db
from models.dispatch import DeliveryStatus

# Emails that reached the officer (a bounce came back from a mail server it reached), and those on their way.
REACHED = [DeliveryStatus.SENT.value, DeliveryStatus.BOUNCED.value]
BUSY = [DeliveryStatus.QUEUED.value, DeliveryStatus.SENDING.value]
# The answers chart counts first answers by quarter hours, which every time zone's days are made of.
QUARTER_HOUR = 15 * 60
FOLD_EVERY = 512
SWEEP_EVERY = 64
# The key of the lock (with the letter's id) that lets one transaction at a time fold a letter's rows.
FOLDING_LOCK = 0x7A11


class Tally(db.Model):  # type: ignore[name-defined,misc]
    """One change to one of a letter's counts: `n` more (or fewer) recipients or emails with `value` of `counter`."""

    __table_args__ = (
        # A letter's rows, and those since its last fold (found from the latest fold's sums).
        sa.Index("ix_tally_endorsement", "endorsement_id", "id"),
        sa.Index("ix_tally_endorsement_folded", "endorsement_id", "folded_upto"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endorsement_id: Mapped[int] = mapped_column(sa.ForeignKey("endorsement.id"))
    counter: Mapped[str] = mapped_column(sa.String(16))
    value: Mapped[str] = mapped_column(sa.String(40))
    n: Mapped[int]
    # On a row that sums the letter's earlier ones rather than being a change: the last row it sums.
    folded_upto: Mapped[int | None]


class EpochSeconds(sa.sql.functions.FunctionElement[int]):
    """A stored (UTC) time as whole seconds since 1970, in SQL: PostgreSQL's and SQLite's ways."""

    type = sa.BigInteger()
    inherit_cache = True


@compiles(EpochSeconds)
def _epoch_seconds(element: EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


@compiles(EpochSeconds, "sqlite")
def _epoch_seconds_sqlite(element: EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC. Its date functions round the fraction to milliseconds, so a
    # time in the last half-millisecond of a day would count on the next: the fraction goes first.
    return f"unixepoch(substr({compiler.process(element.clauses, **kw)}, 1, 19))"


# The value of a counter of recipients who are something (answered by hand, reached...), counted where they are.
YES = "yes"


def _yes(condition: str) -> str:
    return f"CASE WHEN {condition} THEN '{YES}' END"


def _quarter(dialect: sa.Dialect) -> str:
    """The quarter hour of a recipient's first answer, as text, in `dialect`'s SQL."""
    quarter = EpochSeconds(sa.literal_column("{row}.first_answered_at")) // QUARTER_HOUR
    return str(sa.cast(quarter, sa.Text).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def recipient_counters(dialect: sa.Dialect) -> dict[str, str]:
    """What is counted of each recipient: SQL over its row (`{row}`) giving a value, or NULL for none."""
    return {
        "state": "{row}.state",
        "flag": "{row}.flag",
        "by_hand": _yes("{row}.recorded_by_id IS NOT NULL"),
        "resolved": _yes("{row}.resolution IS NOT NULL"),
        "answered": _quarter(dialect),
        "latest_email": "{row}.latest_email",
        "reached": _yes("{row}.reached"),
        "bounced": _yes("{row}.bounced"),
        "busy": _yes("{row}.busy"),
    }


# What is counted of each email: its kind and status ("letter:sent", "copy:failed").
EMAIL_COUNTERS = {"email": "{row}.kind || ':' || {row}.status"}
# The recipient's columns the counters read: SQLite's trigger fires on an update of these alone.
RECIPIENT_COLUMNS = "state, flag, recorded_by_id, resolution, first_answered_at, latest_email, reached, bounced, busy"


def _changes(counters: dict[str, str], before: str | None, after: str | None, *, tables: bool) -> str:
    """The rows a change adds: every counter's values before taken away, after added, and what stayed netted out.

    `before` and `after` name the rows as they were and are: a trigger's OLD and NEW row (SQLite), or the tables of
    every row a statement changed (`tables`: PostgreSQL's transition tables, or a whole table to count it all).
    """
    selects = [
        f"SELECT {rows}.endorsement_id AS endorsement_id, '{name}' AS counter, {sql.format(row=rows)} AS value, "
        f"{sign} AS n" + (f" FROM {rows}" if tables else "")
        for rows, sign in ((before, -1), (after, 1))
        if rows
        for name, sql in counters.items()
    ]
    return (
        "INSERT INTO tally (endorsement_id, counter, value, n) SELECT endorsement_id, counter, value, SUM(n) FROM ("
        + " UNION ALL ".join(selects)
        + ") AS change WHERE value IS NOT NULL GROUP BY endorsement_id, counter, value HAVING SUM(n) <> 0"
    )


def _recipient_emails(which: str) -> str:
    """Keep what their emails add up to on the recipients `which` (SQL) picks."""
    theirs = "FROM delivery WHERE delivery.recipient_id = recipient.id"
    reached = ", ".join(f"'{status}'" for status in REACHED)
    busy = ", ".join(f"'{status}'" for status in BUSY)
    return (
        f"UPDATE recipient SET latest_email = (SELECT status {theirs} ORDER BY delivery.id DESC LIMIT 1), "
        f"reached = EXISTS (SELECT 1 {theirs} AND status IN ({reached})), "
        f"bounced = EXISTS (SELECT 1 {theirs} AND status = '{DeliveryStatus.BOUNCED.value}'), "
        f"busy = EXISTS (SELECT 1 {theirs} AND status IN ({busy})) "
        f"WHERE {which}"
    )


# Each trigger: its table and event, and the rows before and after as SQLite's row triggers name them.
_TRIGGERS = [
    ("recipient", "INSERT", None, "NEW"),
    ("recipient", "UPDATE", "OLD", "NEW"),
    ("recipient", "DELETE", "OLD", None),
    ("delivery", "INSERT", None, "NEW"),
    ("delivery", "UPDATE", "OLD", "NEW"),
    ("delivery", "DELETE", "OLD", None),
]
# PostgreSQL's triggers see every row a statement changed, as tables.
_TABLES = {"OLD": "old_rows", "NEW": "new_rows"}


def _counted(table: str, before: str | None, after: str | None, dialect: sa.Dialect, tables: bool) -> str:
    counters = recipient_counters(dialect) if table == "recipient" else EMAIL_COUNTERS
    return _changes(counters, before, after, tables=tables)


def counted_from_rows(dialect: sa.Dialect) -> list[str]:
    """The SQL that counts what is already stored, as the triggers would have: each recipient's emails added up,
    then every letter's counts written as sums (migration 0017, before it makes the triggers)."""
    return [_recipient_emails("true")] + [
        _counted(table, None, table, dialect, True) for table in ("recipient", "delivery")
    ]


def dropped(dialect: sa.Dialect) -> list[str]:
    """The SQL that removes what `statements` makes."""
    made = [(f"tally_{table}_{when.lower()}", table) for table, when, *_ in _TRIGGERS] + [("tally_fold", "tally")]
    if dialect.name != "postgresql":
        return [f"DROP TRIGGER {name}" for name, _ in made]
    return [f"DROP TRIGGER {name} ON {table}" for name, table in made] + [f"DROP FUNCTION {name}()" for name, _ in made]


# A fold takes the letter's changes since the last fold (up to the row that set it off) and its sums of the same
# counters and values, and writes one sum for each: sums of values that did not change are left as they are, and
# rows an earlier fold removed are not read again, even before the database clears them away.
# On PostgreSQL a change another transaction had not committed when a fold ran is left behind it (still counted):
# every `SWEEP_EVERY`th fold takes all the letter's changes, wherever they are.
_SINCE_LAST_FOLD = (
    "endorsement_id = NEW.endorsement_id AND folded_upto IS NULL AND id <= NEW.id AND id > "
    f"CASE WHEN NEW.id % {FOLD_EVERY * SWEEP_EVERY} = 0 THEN 0 ELSE COALESCE((SELECT MAX(folded_upto) FROM tally "
    "WHERE endorsement_id = NEW.endorsement_id AND folded_upto < NEW.id), 0) END"
)
_FOLDED = (
    f"{_SINCE_LAST_FOLD} OR endorsement_id = NEW.endorsement_id AND folded_upto < NEW.id "
    f"AND (counter, value) IN (SELECT counter, value FROM tally WHERE {_SINCE_LAST_FOLD})"
)


def _fold(rows: str, where: str) -> str:
    """Write the sums of the `rows` that `where` picks, one per counter and value."""
    return (
        "INSERT INTO tally (endorsement_id, counter, value, n, folded_upto) "
        f"SELECT endorsement_id, counter, value, SUM(n), NEW.id FROM {rows} "
        f"WHERE {where} GROUP BY endorsement_id, counter, value HAVING SUM(n) <> 0"
    )


def statements(dialect: sa.Dialect) -> list[str]:
    """The SQL that makes the triggers keeping the counts, in `dialect`'s (SQLite's or PostgreSQL's) words."""
    return _postgresql(dialect) if dialect.name == "postgresql" else _sqlite(dialect)


def _sqlite(dialect: sa.Dialect) -> list[str]:
    out = []
    for table, when, before, after in _TRIGGERS:
        body = [_counted(table, before, after, dialect, False)]
        if table == "delivery":  # a copy to an office has no recipient: the update finds none
            body.append(_recipient_emails(f"id = {after or before}.recipient_id"))
        of = {"recipient": f" OF {RECIPIENT_COLUMNS}", "delivery": " OF status"}[table] if when == "UPDATE" else ""
        code = "".join(f"{statement}; " for statement in body)
        out.append(f"CREATE TRIGGER tally_{table}_{when.lower()} AFTER {when}{of} ON {table} BEGIN {code}END")
    # SQLite runs one writer at a time: the sums are written (after every row there is, so with higher ids), then
    # the rows they sum removed. A trigger's own inserts do not fire it again (recursive_triggers is off).
    out.append(
        f"CREATE TRIGGER tally_fold AFTER INSERT ON tally WHEN NEW.id % {FOLD_EVERY} = 0 AND NEW.folded_upto IS NULL "
        f"BEGIN {_fold('tally', _FOLDED)}; DELETE FROM tally WHERE {_FOLDED}; END"
    )
    return out


def _postgresql(dialect: sa.Dialect) -> list[str]:
    # Triggers for each statement, not each row: a bulk write of 5,000 emails adds a few rows here, not 5,000, and
    # updates the recipients it touched in one statement.
    out = []
    for table, when, before, after in _TRIGGERS:
        name = f"tally_{table}_{when.lower()}"
        old, new = (_TABLES[rows] if rows else None for rows in (before, after))
        body = [_counted(table, old, new, dialect, True)]
        if table == "delivery":
            changed = f"SELECT recipient_id FROM {old or new}"
            if old and new:  # an email whose status stayed leaves its recipient as it was
                changed = f"SELECT n.recipient_id FROM {new} n JOIN {old} o ON o.id = n.id WHERE n.status <> o.status"
            body.append(_recipient_emails(f"id IN ({changed})"))
        code = "".join(f"{statement};\n" for statement in body)
        out.append(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{code}RETURN NULL;\nEND $$"
        )
        referencing = " ".join(f"{side} TABLE AS {rows}" for side, rows in (("OLD", old), ("NEW", new)) if rows)
        out.append(
            f"CREATE TRIGGER {name} AFTER {when} ON {table} REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    # Folding takes the rows it removes as it removes them (DELETE ... RETURNING), so a row is summed once however
    # many fold at once; the lock only spares them the wait.
    out.append(
        "CREATE OR REPLACE FUNCTION tally_fold() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
        f"IF pg_try_advisory_xact_lock({FOLDING_LOCK}, NEW.endorsement_id) THEN\n"
        f"WITH folded AS (DELETE FROM tally WHERE {_FOLDED} RETURNING *)\n{_fold('folded', 'true')};\n"
        "END IF;\nRETURN NULL;\nEND $$"
    )
    out.append(
        "CREATE TRIGGER tally_fold AFTER INSERT ON tally FOR EACH ROW "
        f"WHEN (NEW.id % {FOLD_EVERY} = 0 AND NEW.folded_upto IS NULL) EXECUTE FUNCTION tally_fold()"
    )
    return out


@sa.event.listens_for(db.metadata, "after_create")
def _make_triggers(metadata: sa.MetaData, connection: sa.Connection, **kw: Any) -> None:
    # The tables made without migrations (tests, benchmarks) count as the migrated ones do (migration 0017).
    for statement in statements(connection.dialect):
        connection.execute(sa.text(statement))
