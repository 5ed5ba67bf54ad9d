"""What the benchmarks start from: a database of their own, the founding memo registered, a roster bulk-inserted."""

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextlib.contextmanager
def database(backend: str, server: str, workdir: Path) -> Iterator[str]:
    """A fresh database for the run, dropped after: an SQLite file in `workdir`, or a new database on the
    PostgreSQL `server`. Yields its URL."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'bench.sqlite'}"
        return
    from tests.conftest import postgres_database

    with postgres_database(server, "pavati_bench") as url:
        yield url


def postgres_answers(server: str) -> bool:
    """Whether the PostgreSQL server answers (within 2 s)."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(server, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except sa.exc.OperationalError:
        return False


def register_memo(session: Any) -> Any:
    """The DoPT memo of the tests' samples, registered as the clerk would; the Circular."""
    from services import intake

    memo = intake.read_memo(session, (ROOT / "tests/samples/dopt-igot-email-om.pdf").read_bytes())
    facts = json.loads((ROOT / "tests/samples/memos.json").read_text())["dopt-igot-email-om"]
    fields = {**facts, "diary_no": "253/6", "received_on": "2026-03-05"}
    return intake.diarise(session, memo.sha256, "om.pdf", fields, None)


def insert_officers(session: Any, n: int, chunk: int = 5000) -> None:
    """N officers on the roster, by bulk INSERT: `Officer Number 000000`, officer000000@nic.in..."""
    import sqlalchemy as sa

    from models import Officer

    for start in range(0, n, chunk):
        rows = [
            {
                "name": f"Officer Number {i:06}",
                "sparrow_email": f"officer{i:06}@nic.in",
                "email_key": f"officer{i:06}@nic.in",
                "service": "IAS",
            }
            for i in range(start, min(n, start + chunk))
        ]
        session.execute(sa.insert(Officer), rows)


SECRET_KEY = "bench-" + "x" * 40


def fresh_app(database_url: str, workdir: Path, **settings: Any) -> Any:
    """The app on `database_url` with its tables made anew: a fixed secret, files in `workdir`, no timers."""
    from app import create_app
    from models import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": SECRET_KEY,
            "FILES_DIR": str(workdir / "files"),
            "MAILBOX_DIR": str(workdir / "mailbox"),
            "OUTBOX_SWEEP_SECONDS": 0,
            "REMINDERS_EVERY_SECONDS": 0,
            "HOUSEKEEPING_EVERY_SECONDS": 0,
            "LOG_LEVEL": "WARNING",
            **settings,
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def issue_letter(session: Any, circular_id: int) -> Any:
    """An endorsement of the circular, prepared with the office's defaults and issued; the Endorsement."""
    from services import letters

    draft = letters.prepare_endorsement(session, circular_id, {"dated": "2026-03-11"}, None)
    letters.issue_endorsement(session, draft.id, None)
    return draft
