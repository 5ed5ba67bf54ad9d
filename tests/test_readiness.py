"""`flask check`: each misconfiguration found, named with what to change, and a ready installation passing."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app import create_app
from models import db
from services import readiness
from tests.conftest import OfficeCertificate, needs_ocr, sqlite_only


@pytest.fixture
def ready(app: Flask, runner: Any, office_certificate: OfficeCertificate) -> Iterator[Flask]:
    """The test app set up as production wants it: a mail server, a signing certificate, the schema at head
    (https links, a long secret and a writable file store are the test configuration's own)."""
    app.config.update(
        MAIL_SERVER="smtp.hry.gov.in", TRUSTED_HOSTS=["pavati.example.gov.in"], **office_certificate.settings
    )
    assert runner.invoke(args=["db", "stamp", "head"]).exit_code == 0
    yield app
    with app.app_context():  # the app fixture drops the models' tables, not Alembic's
        db.session.execute(db.text("drop table alembic_version"))
        db.session.commit()


@needs_ocr
def test_a_ready_installation_is_all_good(ready: Flask, runner: Any):
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "All good: ready for real use."


def fake_program(folder: Path, name: str, output: str = "") -> None:
    program = folder / name
    program.write_text(f"#!/bin/sh\nprintf '{output}'\n")
    program.chmod(0o755)


def no_ocr(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))


def english_only(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in readiness.OCR_PROGRAMS:
        fake_program(tmp_path, name, 'List of available languages in "/x/" (2):\\neng\\nosd\\n')
    monkeypatch.setenv("PATH", str(tmp_path))


def file_store_not_a_folder(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A path under a plain file: no account can write there, root included (as on CI).
    (tmp_path / "plain").write_text("")
    app.config["FILES_DIR"] = str(tmp_path / "plain" / "files")


def setting(settings: dict[str, Any]) -> Any:
    """A change of the app's settings."""

    def change(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        app.config.update(settings)

    return change


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (setting({"SECRET_KEY": "dev"}), "SECRET_KEY is shorter than 32 characters"),
        (
            setting({"PUBLIC_BASE_URL": "http://pavati.example.gov.in"}),
            "PUBLIC_BASE_URL is http://pavati.example.gov.in",
        ),
        (setting({"MAIL_SERVER": None}), "MAIL_SERVER is not set"),
        (setting({"TRUSTED_HOSTS": None}), "TRUSTED_HOSTS is not set: any Host header is answered."),
        (setting({"TRUSTED_HOSTS": ["127.0.0.1"]}), "TRUSTED_HOSTS does not name pavati.example.gov.in"),
        (setting({"SIGNING_P12": None}), "Letters are issued unsigned"),
        (setting({"SIGNING_P12_PASSWORD": "wrong"}), "check SIGNING_P12_PASSWORD"),
        (setting({"SIGNING_P12": "/nowhere/office.p12"}), "SIGNING_P12 cannot be read"),
        (no_ocr, "pdftoppm, convert, tesseract not installed"),
        (english_only, "Tesseract cannot read hin: install tesseract-ocr-hin"),
        (file_store_not_a_folder, "cannot be written"),
    ],
)
@needs_ocr  # else every case finds Tesseract missing too
@sqlite_only  # settings and programs, the same on either database
def test_each_misconfiguration_is_one_line_and_fails_the_check(
    ready: Flask, runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Any, said: str
):
    change(ready, tmp_path, monkeypatch)
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and said in lines[0], lines


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}, "CELERY_BROKER_URL is set (Celery workers)"),
        ({"WEB_CONCURRENCY": 3, "RATELIMIT_STORAGE_URI": "redis://x"}, "but WEB_CONCURRENCY is 3"),
    ],
)
@sqlite_only
def test_sqlite_under_several_workers_is_found(ready: Flask, settings: dict[str, Any], said: str):
    assert readiness.sqlite_under_workers(ready) is None  # one process: SQLite does
    ready.config.update(settings)
    finding = readiness.sqlite_under_workers(ready)
    assert finding is not None and said in finding and "Set DATABASE_URL to PostgreSQL" in finding


@sqlite_only
def test_answer_limits_kept_in_memory_under_several_web_workers_are_found(app: Flask):
    assert readiness.rate_limit_storage(app) is None  # memory:// in one process is right
    app.config["WEB_CONCURRENCY"] = 4
    found = str(readiness.rate_limit_storage(app))
    assert found.startswith("RATELIMIT_STORAGE_URI is memory:// with WEB_CONCURRENCY 4")
    app.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379/1"
    assert readiness.rate_limit_storage(app) is None


@sqlite_only
def test_the_development_secret_key_is_found(app: Flask, tmp_path: Path):
    # As `make run` does: no SECRET_KEY, so the key kept in the instance folder is used.
    app.instance_path = str(tmp_path)
    (tmp_path / "secret_key").write_text("d" * 64 + "\n")
    app.config["SECRET_KEY"] = "d" * 64
    assert "SECRET_KEY is not set: the development key in instance/" in str(readiness.secret_key(app))
    app.config["SECRET_KEY"] = "k" * 64
    assert readiness.secret_key(app) is None


def test_a_schema_behind_the_code_is_found(ready: Flask, runner: Any):
    with ready.app_context():
        db.session.execute(db.text("update alembic_version set version_num = '0012'"))
        db.session.commit()
    assert readiness.database(ready) == (
        "The database schema is not the latest (at 0012): run `flask --app app db upgrade`."
    )


@sqlite_only
def test_a_database_never_built_is_found(app: Flask):
    assert "(at none): run `flask --app app db upgrade`" in str(readiness.database(app))


@sqlite_only
def test_an_unreachable_database_is_found(app_config: dict[str, Any]):
    # Port 9 (discard) has no PostgreSQL behind it.
    unreachable = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://pavati@127.0.0.1:9/x"})
    finding = readiness.database(unreachable)
    assert finding is not None and finding.startswith("The database at DATABASE_URL cannot be reached (")
    result = unreachable.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1 and "cannot be reached" in result.output
