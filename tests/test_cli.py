"""The command line: staff accounts, API tokens and demo data."""

from pathlib import Path
from typing import Any

from flask import Flask
from pypdf import PdfReader

from models import Circular, Officer, User, db
from services import accounts, dispatch, intake, letters, office, postbox
from tests.conftest import MEMO_FIELDS, sample


def test_create_user_with_password_piped_twice(app: Flask, runner: Any):
    result = runner.invoke(
        args=["users", "create", "ds@hry.gov.in", "--name", "Deputy Supdt", "--role", "admin"],
        input="a long password\na long password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert user is not None and (user.email, user.role, user.name) == ("ds@hry.gov.in", "admin", "Deputy Supdt")
        assert accounts.authenticate(db.session, "DS@hry.gov.in", "a long password") is not None
    signatory = runner.invoke(
        args=["users", "create", "us@hry.gov.in", "--name", "Under Secretary", "--role", "approver"],
        input="a long password\n" * 2,
    )
    assert signatory.exit_code == 0 and "Created approver us@hry.gov.in" in signatory.output


def test_create_user_refuses_mismatch_short_password_and_duplicates(app: Flask, runner: Any):
    args = ["users", "create", "ds@hry.gov.in", "--name", "DS"]
    assert "differ" in runner.invoke(args=args, input="a long password\nanother one!!\n").output
    assert "at least" in runner.invoke(args=args, input="short\nshort\n").output
    assert runner.invoke(args=args, input="a long password\n").exit_code == 0
    result = runner.invoke(args=args, input="a long password\n")
    assert result.exit_code != 0 and "already exists" in result.output
    assert runner.invoke(args=[*args[:3], "--name", "X", "--role", "boss"], input="a long password\n").exit_code != 0


def test_token_is_printed_last_and_works(app: Flask, runner: Any, client: Any):
    runner.invoke(args=["users", "create", "ds@hry.gov.in", "--name", "DS"], input="a long password\n")
    result = runner.invoke(args=["users", "token", "ds@hry.gov.in"])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert client.get("/api/v1/officers", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert runner.invoke(args=["users", "token", "nobody@hry.gov.in"]).exit_code != 0


def test_demo_loads_once(app: Flask, runner: Any):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and "password:" in first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "already exists" in second.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Officer)) == 40
        assert db.session.scalar(db.select(db.func.count()).select_from(Circular)) == 1
        # The demo's one admin approves the letters they prepare.
        assert office.particulars(db.session)["one_person_office"] == office.YES


def test_outbox_send_and_status(app: Flask, runner: Any):
    runner.invoke(args=["demo"])
    with app.app_context():
        circular_id = db.session.scalar(db.select(Circular.id))
        assert circular_id is not None
        endorsement = letters.prepare_endorsement(db.session, circular_id, {"dated": "2026-03-11"}, None)
        letters.issue_endorsement(db.session, endorsement.id, None)
        dispatch.distribute(db.session, endorsement.id, None)
        db.session.info.pop("pavati.jobs.pending")  # the process stopped before sending
        db.session.commit()
    status = runner.invoke(args=["outbox", "status"])
    assert status.exit_code == 0 and "40 queued, 0 sending, 0 sent" in status.output
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0 and "40 emails sent; 0 still queued, 0 failed" in result.output
    with app.app_context():
        assert len(postbox.mailbox_items(limit=100)) == 40
    assert "0 emails sent" in runner.invoke(args=["outbox", "send"]).output
    assert "Nothing is waiting" in runner.invoke(args=["outbox", "status"]).output


def test_commands_on_an_empty_database_say_what_to_do(app: Flask, runner: Any):
    with app.app_context():
        db.drop_all()
    result = runner.invoke(args=["users", "token", "ds@hry.gov.in"])
    assert result.exit_code != 0 and "flask --app app db upgrade" in result.output
    assert "db upgrade" in runner.invoke(args=["outbox", "status"]).output
    with app.app_context():
        db.create_all()


def test_passwd_deactivate_and_revoke(app: Flask, runner: Any, client: Any):
    runner.invoke(args=["users", "create", "ds@hry.gov.in", "--name", "DS"], input="a long password\n")
    token = runner.invoke(args=["users", "token", "ds@hry.gov.in"]).output.strip().splitlines()[-1]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/officers", headers=bearer).status_code == 200
    assert runner.invoke(args=["users", "passwd", "ds@hry.gov.in"], input="another password\n").exit_code == 0
    with app.app_context():
        assert accounts.authenticate(db.session, "ds@hry.gov.in", "another password") is not None
    assert client.get("/api/v1/officers", headers=bearer).status_code == 401  # the password change ended it
    token = runner.invoke(args=["users", "token", "ds@hry.gov.in"]).output.strip().splitlines()[-1]
    assert "1 API tokens revoked" in runner.invoke(args=["users", "revoke-tokens", "ds@hry.gov.in"]).output
    assert client.get("/api/v1/officers", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert runner.invoke(args=["users", "deactivate", "ds@hry.gov.in"]).exit_code == 0
    with app.app_context():
        assert accounts.authenticate(db.session, "ds@hry.gov.in", "another password") is None
    assert runner.invoke(args=["users", "deactivate", "nobody@hry.gov.in"]).exit_code != 0


def test_letters_render_writes_a_draft_from_the_shell(app: Flask, runner: Any, tmp_path: Path):
    with app.app_context():
        memo = intake.read_memo(db.session, sample("dopt-igot-email-om.pdf"))
        circular = intake.diarise(db.session, memo.sha256, "om.pdf", MEMO_FIELDS, None)
        fields = {**letters.draft_defaults(db.session, circular.id), "dated": "2026-03-11"}
        endorsement_id = letters.prepare_endorsement(db.session, circular.id, fields, None).id
        db.session.commit()
    out = tmp_path / "out.pdf"
    done = runner.invoke(args=["letters", "render", str(endorsement_id), "-o", str(out)])
    assert done.exit_code == 0, done.output
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    assert "DRAFT" in text and "T-28/27/2025-iGOT Part(1)" in text
    missing = runner.invoke(args=["letters", "render", "999", "-o", str(tmp_path / "no.pdf")])
    assert missing.exit_code != 0 and "No such" in missing.output and not (tmp_path / "no.pdf").exists()
