"""A mail server that accepts the connection and then says nothing must not hang the sender."""

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from models import Delivery, db
from services import dispatch, intake, jobs, letters, roster
from tests.conftest import MEMO_FIELDS, sample


@pytest.fixture
def silent_server() -> Iterator[int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])  # accepted, never answered
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


@pytest.fixture
def app_config(app_config: dict[str, Any], silent_server: int) -> dict[str, Any]:
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=silent_server, SMTP_TIMEOUT_SECONDS=0.5)
    return app_config


def test_silent_server_times_out_and_the_email_waits_for_a_retry(app: Flask):
    with app.app_context():
        memo = intake.read_memo(db.session, sample("dopt-igot-email-om.pdf"))
        circular = intake.diarise(db.session, memo.sha256, "om.pdf", MEMO_FIELDS, None)
        roster.import_roster(db.session, b"name,sparrow_email\nA One,a.one@nic.in\n", None)
        endorsement = letters.prepare_endorsement(db.session, circular.id, {"dated": "2026-03-11"}, None)
        letters.issue_endorsement(db.session, endorsement.id, None)
        dispatch.distribute(db.session, endorsement.id, None)
        started = time.monotonic()
        db.session.commit()
        assert jobs.executor().wait(10)
        assert time.monotonic() - started < 5
        row = db.session.scalar(db.select(Delivery))
        assert row is not None and row.status == "queued" and row.attempts == 1
        assert "timed out" in (row.last_error or "").lower()
