"""The migrations build the same schema as the models, on an empty SQLite file and PostgreSQL database."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models import db
from tests.conftest import _PG

ROOT = Path(__file__).resolve().parent.parent


def upgrade(url: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "app", "FILES_DIR": str(tmp_path / "f")}
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def assert_matches_models(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    engine.dispose()
    assert diff == []


def test_upgrade_on_empty_sqlite(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    upgrade(url, tmp_path)
    assert_matches_models(url)


@pytest.mark.skipif(_PG is None, reason="no PostgreSQL")
def test_upgrade_on_empty_postgresql(tmp_path: Path):
    assert _PG is not None
    name = f"pavati_migrate_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(_PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = _PG.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url, tmp_path)
        assert_matches_models(url)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
