"""The backup the README prescribes (pg_dump, and a tar of the file store) restores to an app serving the same data."""

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app
from models import Circular, Endorsement, Officer, Recipient, User, db
from services import jobs
from tests.conftest import _PG, issued_endorsement, postgres_database

pytestmark = [
    pytest.mark.skipif(_PG is None, reason="no PostgreSQL"),
    # On CI the Makefile installs postgresql-client: there the test must run.
    pytest.mark.skipif(shutil.which("pg_dump") is None and not os.environ.get("CI"), reason="no pg_dump"),
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]
COUNTED = (Circular, Endorsement, Officer, Recipient, User)


def libpq(url: str) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore take it."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert done.returncode == 0, done.stderr[-2000:]


@contextmanager
def running(config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(config)
    try:
        yield app
    finally:
        with app.app_context():
            jobs.executor().shutdown()
            db.session.remove()
            db.engine.dispose()


def what_it_serves(app: Flask, endorsement_id: int, token: dict[str, str]) -> dict[str, Any]:
    """The issued letter's SHA-256 as served, and how many of each record there are."""
    client = app.test_client()
    pdf = client.get(f"/api/v1/endorsements/{endorsement_id}/pdf", headers=token)
    assert pdf.status_code == 200
    served = client.get(f"/api/v1/endorsements/{endorsement_id}", headers=token).json
    with app.app_context():
        counts = {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in COUNTED}
    return {"pdf": hashlib.sha256(pdf.data).hexdigest(), "letter": served, **counts}


def test_backup_and_restore(app: Flask, app_config: dict[str, Any], api_token: Any, tmp_path: Path):
    tokens = issued_endorsement(app)  # a registered memo; a letter issued and sent to the 40 officers
    assert len(tokens) == 40
    with app.app_context():
        endorsement_id = db.session.scalar(sa.select(Endorsement.id))
        assert endorsement_id is not None
    token = api_token("viewer")
    before = what_it_serves(app, endorsement_id, token)
    assert before["Circular"] == 1 and before["Recipient"] == 40

    # The backup, as the README has it.
    dump, archive = tmp_path / "pavati.dump", tmp_path / "files.tar.gz"
    run("pg_dump", "--format=custom", "--file", str(dump), libpq(app_config["SQLALCHEMY_DATABASE_URI"]))
    run("tar", "-C", app_config["FILES_DIR"], "-czf", str(archive), ".")

    # The restore, on a new server's empty database and file store.
    assert _PG is not None
    with postgres_database(_PG) as restored_url:
        files = tmp_path / "restored-files"
        files.mkdir()
        run("pg_restore", "--no-owner", "--exit-on-error", "--dbname", libpq(restored_url), str(dump))
        run("tar", "-C", str(files), "-xzf", str(archive))
        config = {**app_config, "SQLALCHEMY_DATABASE_URI": restored_url, "FILES_DIR": str(files)}
        with running(config) as restored:
            after = what_it_serves(restored, endorsement_id, token)
            # An officer's link still opens their page on the restored installation.
            assert restored.test_client().get(f"/a/{next(iter(tokens.values()))}").status_code == 200
    assert after == before
    with app.app_context():
        assert before["pdf"] == db.session.get(Endorsement, endorsement_id).pdf_sha256  # type: ignore[union-attr]
