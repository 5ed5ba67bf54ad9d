"""The migrations build the same schema as the models, on an empty SQLite file and PostgreSQL database."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models import db
from services import register
from tests.conftest import _PG, postgres_database

ROOT = Path(__file__).resolve().parent.parent


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """As migrations/env.py: PostgreSQL's full-text index is made by hand."""
    return not (type_ == "index" and name == register.SEARCH_INDEX)


def upgrade(url: str, tmp_path: Path, revision: str = "head", command: str = "upgrade") -> None:
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "app", "FILES_DIR": str(tmp_path / "f")}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", command, revision],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def assert_matches_models(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        diff = compare_metadata(context, db.metadata)
    engine.dispose()
    assert diff == []


@pytest.fixture(params=["sqlite", "postgresql"])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database for the migrations to build, on each backend in turn: its URL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite'}"
        return
    if _PG is None:
        pytest.skip("no PostgreSQL")
    with postgres_database(_PG) as url:
        yield url


def test_upgrade_on_an_empty_database(empty: str, tmp_path: Path):
    upgrade(empty, tmp_path)
    assert_matches_models(empty)


SKELETON_ROWS = """
INSERT INTO officer (id, name, service, designation, sparrow_email, mobile, active, created_at, updated_at)
  VALUES (1, 'A One', 'IAS', '', 'a.one@nic.in', '', true, '2026-03-01', '2026-03-01'),
         (2, 'B Two', 'IAS', '', 'b.two@nic.in', '', true, '2026-03-01', '2026-03-01');
INSERT INTO circular (id, reference_no, reference_key, dated, issued_by, subject, diary_no, received_on, pdf_sha256,
  pdf_pages, filename, text, registered_at)
  VALUES (1, 'X', 'k', '2026-03-01', 'DoPT', 'S', '1', '2026-03-02', 'a', 1, 'm.pdf', '', '2026-03-02');
INSERT INTO endorsement (id, circular_id, file_no, dated, addressee, body, signatory_name, signatory_title, copy_to,
  ack_kind, revision, created_at)
  VALUES (1, 1, 'No.1', '2026-03-03', 'All', '', 'DS', 'PAR', '', 'read', 1, '2026-03-03');
INSERT INTO recipient (id, endorsement_id, officer_id, email, token_nonce, token_hash, state, created_at)
  VALUES (1, 1, 1, 'a.one@nic.in', 'n', 'h', 'pending', '2026-03-03');
INSERT INTO recipient (id, endorsement_id, officer_id, email, token_nonce, token_hash, state, response, igot_email,
  acknowledged_at, created_at)
  VALUES (2, 1, 2, 'b.two@nic.in', 'm', 'g', 'mismatch', 'different', 'b.two@gov.in', '2026-03-04', '2026-03-03');
INSERT INTO acknowledgement (id, recipient_id, response, igot_email, state, at)
  VALUES (1, 2, 'different', 'b.two@gov.in', 'mismatch', '2026-03-04');
INSERT INTO delivery (id, recipient_id, is_reminder, status, attempts, message_id, created_at)
  VALUES (1, 1, false, 'sent', 1, '<1@x>', '2026-03-03'), (2, 1, true, 'sent', 1, '<2@x>', '2026-03-04'),
         (3, 1, true, 'queued', 0, '<3@x>', '2026-03-05');
"""


def rows_at(url: str, tmp_path: Path, revision: str, rows: str) -> sa.Engine:
    """The database migrated to `revision`, with `rows` (SQL statements) written; its engine."""
    upgrade(url, tmp_path, revision)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for statement in rows.strip().split(";"):
            if statement.strip():
                connection.execute(sa.text(statement))
    return engine


def carries_skeleton_emails_over(url: str, tmp_path: Path) -> None:
    engine = rows_at(url, tmp_path, "0002", SKELETON_ROWS)
    upgrade(url, tmp_path)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("select id, endorsement_id, kind, round, to_name, to_email from delivery order by id")
        ).all()
        rounds = connection.scalar(sa.text("select reminder_rounds from endorsement"))
        email_key = connection.scalar(sa.text("select email_key from officer where id = 1"))
        answers = connection.execute(
            sa.text("select r.details, a.details from recipient r join acknowledgement a on a.recipient_id = r.id")
        ).one()
        kept = connection.execute(sa.text("select id, name, first_answered_at from recipient order by id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        (1, 1, "letter", 0, "A One", "a.one@nic.in"),
        (2, 1, "reminder", 1, "A One", "a.one@nic.in"),
        (3, 1, "reminder", 2, "A One", "a.one@nic.in"),
    ]
    assert rounds == 2
    assert email_key == "a.one@nic.in"  # the officer's email is compared by its key from 0005 on
    # What an answer carried moves into its details from 0006 on.
    assert [json.loads(d) if isinstance(d, str) else d for d in answers] == [{"igot_email": "b.two@gov.in"}] * 2
    # From 0009 each recipient keeps the officer's name and the time of the first answer.
    assert [(i, name, str(at)[:10] if at else None) for i, name, at in kept] == [
        (1, "A One", None),
        (2, "B Two", "2026-03-04"),
    ]


def test_emails_of_the_skeleton_are_carried_over(empty: str, tmp_path: Path):
    carries_skeleton_emails_over(empty, tmp_path)


AUDIT_ROW = (
    "INSERT INTO audit_event (id, at, actor_id, action, entity, entity_id, details) "
    "VALUES (1, '2026-03-03', NULL, 'recipient.acknowledged', 'recipient', 1, '{}')"
)


def refuses_to_change_the_audit_log(url: str, tmp_path: Path, wipes: list[str]) -> None:
    upgrade(url, tmp_path)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(AUDIT_ROW))
    for statement in ["UPDATE audit_event SET action = 'recipient.forged'", "DELETE FROM audit_event", *wipes]:
        refused = pytest.raises(sa.exc.DBAPIError, match="the audit log cannot be changed or deleted")
        with refused, engine.begin() as connection:
            connection.execute(sa.text(statement))
    with engine.connect() as connection:
        assert connection.execute(sa.text("select id, action from audit_event")).all() == [
            (1, "recipient.acknowledged")
        ]
    engine.dispose()
    upgrade(url, tmp_path, "0005", command="downgrade")  # and back: the guard goes with its migration
    with engine.begin() as connection:
        assert connection.execute(sa.text("DELETE FROM audit_event")).rowcount == 1
    engine.dispose()


def test_the_migrated_audit_log_cannot_be_changed(empty: str, tmp_path: Path):
    # PostgreSQL has TRUNCATE, which skips row triggers: it is refused too.
    wipes = ["TRUNCATE audit_event"] if empty.startswith("postgresql") else []
    refuses_to_change_the_audit_log(empty, tmp_path, wipes)


BY_HAND_ROWS = """
INSERT INTO "user" (id, email, name, password_hash, role, session_nonce, active, created_at)
  VALUES (1, 'clerk@x.in', 'Clerk', 'h', 'clerk', 'n', true, '2026-03-01');
INSERT INTO officer (id, name, service, cadre, designation, posting, sparrow_email, email_key, mobile, active,
  created_at, updated_at)
  VALUES (1, 'A One', 'IAS', '', '', '', 'a.one@nic.in', 'a.one@nic.in', '', true, '2026-03-01', '2026-03-01');
INSERT INTO circular (id, reference_no, reference_key, dated, issued_by, subject, diary_no, received_on, pdf_sha256,
  pdf_pages, filename, text, confidence, registered_at)
  VALUES (1, 'X', 'k', '2026-03-01', 'DoPT', 'S', '1', '2026-03-02', 'a', 1, 'm.pdf', '', '{}', '2026-03-02');
INSERT INTO endorsement (id, circular_id, file_no, dated, addressee, body, signatory_name, signatory_title, copy_to,
  ack_kind, created_at)
  VALUES (1, 1, 'No.1', '2026-03-03', 'All', '', 'DS', 'PAR', '', 'read', '2026-03-03');
INSERT INTO recipient (id, endorsement_id, officer_id, email, token_nonce, token_hash, state, details, response,
  recorded_by_id, created_at)
  VALUES (1, 1, 1, 'a.one@nic.in', 'n', 'h', 'noted', '{}', 'noted', 1, '2026-03-03');
INSERT INTO acknowledgement (id, recipient_id, response, details, state, at, recorded_by_id, reason)
  VALUES (1, 1, 'noted', '{}', 'noted', '2026-03-04', 1, 'Said so by letter'),
         (2, 1, 'noted', '{}', 'noted', '2026-03-05', 1, 'Confirmed by phone');
"""


def carries_the_reason_by_hand_over(url: str, tmp_path: Path) -> None:
    engine = rows_at(url, tmp_path, "0017", BY_HAND_ROWS)
    upgrade(url, tmp_path)
    with engine.connect() as connection:
        assert connection.scalar(sa.text("select reason from recipient")) == "Confirmed by phone"  # the latest
    engine.dispose()
    upgrade(url, tmp_path, "0017", command="downgrade")


def test_the_reason_by_hand_is_carried_over(empty: str, tmp_path: Path):
    carries_the_reason_by_hand_over(empty, tmp_path)
