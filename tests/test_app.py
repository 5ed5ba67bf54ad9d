"""The factory: officers' data is kept where only this account can read it."""

import stat
from pathlib import Path
from typing import Any

from app import create_app
from models import db
from services import files
from tests.conftest import sample


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_stored_files_and_mailbox_are_private(tmp_path: Path, app_config: dict[str, Any]):
    data = tmp_path / "data"
    app_config.update(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{data / 'db' / 'pavati.sqlite'}",
        FILES_DIR=str(data / "files"),
        MAILBOX_DIR=str(data / "mailbox"),
    )
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
        sha = files.store(sample("dopt-igot-email-om.pdf"))
        db.session.execute(db.text("select 1"))
        database = data / "db" / "pavati.sqlite"
        assert Path(f"{database}-wal").exists()
        for path in [database, Path(f"{database}-wal"), Path(f"{database}-shm"), *(data / "files").rglob(f"{sha}*")]:
            assert mode(path) == 0o600, path
        for folder in [data / "db", data / "files", data / "files" / sha[:2], data / "mailbox"]:
            assert mode(folder) == 0o700, folder
        db.session.remove()
        db.engine.dispose()


def test_health_check_answers_ok_without_a_database_a_login_or_a_cookie(tmp_path: Path):
    # A database nobody listens on: the check must not need it.
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-" + "x" * 32,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/nothing",
            "FILES_DIR": str(tmp_path / "files"),
            "MAILBOX_DIR": str(tmp_path / "mailbox"),
            "OUTBOX_SWEEP_SECONDS": 0,
            "REMINDERS_EVERY_SECONDS": 0,
            "HOUSEKEEPING_EVERY_SECONDS": 0,
        }
    )
    client = app.test_client()
    for method in (client.get, client.head):
        response = method("/healthz")
        assert response.status_code == 200 and response.mimetype == "text/plain"
        assert "Set-Cookie" not in response.headers
    assert client.get("/healthz").get_data(as_text=True) == "ok"
    assert client.get("/").status_code == 302  # while the pages still need a login
