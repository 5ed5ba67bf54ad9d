"""The outbox against a real SMTP server that misbehaves on purpose: batches over reused connections,
dropped connections, busy replies, refusals, a worker killed mid-run, dead workers' claims."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from models import Delivery, db, utcnow
from services import dispatch, jobs, outbox, workers
from tests.conftest import Inbox, issue_letter, settle, worker_env

ROOT = Path(__file__).resolve().parent.parent


def roster_of(n: int) -> str:
    return "name,sparrow_email\n" + "".join(f"Officer {i:03},officer{i:03}@nic.in\n" for i in range(n))


@pytest.fixture
def app_config(app_config: dict[str, Any], smtp: tuple[Inbox, int]) -> dict[str, Any]:
    app_config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp[1],
        MAIL_DEFAULT_SENDER="PAR Cell <parcell@hry.gov.in>",
        SEND_BATCH=10,
        SEND_CONNECTIONS=2,
        SEND_RETRY_BASE_SECONDS=0.05,
    )
    return app_config


def distributed(app: Flask, n: int, send: bool = True) -> int:
    endorsement_id = issue_letter(app, roster_of(n))
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        if not send:
            db.session.info.pop("pavati.jobs.pending")
        db.session.commit()
    return endorsement_id


def statuses(app: Flask) -> Counter[str]:
    with app.app_context():
        return Counter(db.session.scalars(db.select(Delivery.status)))


def wait_until_sent(app: Flask, n: int, timeout: float = 60) -> None:
    """Retries come back on timers, which `settle` does not wait for: wait for the rows themselves."""
    deadline = time.monotonic() + timeout
    while statuses(app)["sent"] < n and time.monotonic() < deadline:
        time.sleep(0.1)
    assert statuses(app)["sent"] == n, statuses(app)


def received_per_officer(inbox: Inbox) -> Counter[str]:
    return Counter(str(m["To"]) for m in inbox.messages)


def test_a_batch_is_claimed_in_one_statement_and_never_twice(app: Flask):
    distributed(app, 25, send=False)
    with app.app_context():
        first, second = outbox.claim_batch(db.session, 10), outbox.claim_batch(db.session, 10)
        third, fourth = outbox.claim_batch(db.session, 10), outbox.claim_batch(db.session, 10)
    assert (len(first), len(second), len(third), fourth) == (10, 10, 5, [])
    assert len(set(first) | set(second) | set(third)) == 25


def test_many_emails_go_over_few_connections(app: Flask, smtp: tuple[Inbox, int]):
    inbox, _ = smtp
    distributed(app, 45)
    settle(app)
    assert statuses(app) == Counter({"sent": 45})
    assert sorted(received_per_officer(inbox).values()) == [1] * 45
    assert 1 <= inbox.connections <= 2


@pytest.mark.parametrize("where", ["before", "after"])
def test_a_dropped_connection_loses_nobody(app: Flask, smtp: tuple[Inbox, int], where: str):
    inbox, _ = smtp
    inbox.drop = {7: where, 18: where}
    distributed(app, 25)
    wait_until_sent(app, 25)
    per_officer = received_per_officer(inbox)
    assert len(per_officer) == 25
    if where == "before":
        assert set(per_officer.values()) == {1}
    else:  # taken by the server, reply lost: at most one extra, with the same Message-ID
        assert sorted(per_officer.values()) == [1] * 23 + [2, 2]
        for officer, count in per_officer.items():
            if count == 2:
                assert len({m["Message-ID"] for m in inbox.to(officer.split("<")[1].rstrip(">"))}) == 1


def test_busy_replies_are_retried_until_all_arrive(app: Flask, smtp: tuple[Inbox, int]):
    inbox, _ = smtp
    inbox.flaky = 5  # every fifth message offered: 421 (closing the connection) or 451, once
    distributed(app, 40)
    wait_until_sent(app, 40)
    assert sorted(received_per_officer(inbox).values()) == [1] * 40
    with app.app_context():
        retried = db.session.scalars(db.select(Delivery).where(Delivery.attempts > 1)).all()
        assert retried and all(d.last_error is None for d in retried)


def test_a_permanent_refusal_fails_at_once_with_the_servers_reply(app: Flask, smtp: tuple[Inbox, int]):
    inbox, _ = smtp
    inbox.refuse.add("officer003@nic.in")
    distributed(app, 12)
    settle(app)
    assert statuses(app) == Counter({"sent": 11, "failed": 1})
    with app.app_context():
        failed = db.session.scalar(db.select(Delivery).where(Delivery.status == "failed"))
        assert failed is not None
        assert (failed.to_email, failed.attempts, failed.last_error) == (
            "officer003@nic.in",
            1,
            "550 5.1.1 No such user here",
        )


def test_temporary_failures_stop_after_the_most_attempts(app: Flask, smtp: tuple[Inbox, int]):
    smtp[0].defer.add("officer000@nic.in")
    app.config["SEND_MAX_ATTEMPTS"] = 3
    distributed(app, 1)
    deadline = time.monotonic() + 30
    while statuses(app)["failed"] < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    with app.app_context():
        row = db.session.scalar(db.select(Delivery))
        assert row is not None and (row.status, row.attempts) == ("failed", 3)
        assert row.last_error == "451 4.3.0 Try again later"


KILLED_WORKER = """
import os, signal, sys
from app import create_app
from models import db
from services import outbox
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": sys.argv[2], "OUTBOX_SWEEP_SECONDS": 0})
with app.app_context():
    assert outbox.claim_batch(db.session, 100)
    os.kill(os.getpid(), signal.SIGKILL)  # killed mid-send: the rows are claimed and nothing recorded
"""


def test_a_worker_killed_after_claiming_frees_its_rows_at_once(app: Flask, smtp: tuple[Inbox, int]):
    distributed(app, 3, send=False)
    config = app.config
    worker = subprocess.run(
        [sys.executable, "-c", KILLED_WORKER, config["SQLALCHEMY_DATABASE_URI"], config["SECRET_KEY"]],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert worker.returncode == -signal.SIGKILL, worker.stderr.decode()
    with app.app_context():
        claimed = db.session.scalars(db.select(Delivery)).all()
        assert {d.status for d in claimed} == {"sending"} and all(d.claimed_by for d in claimed)
        # The claim has not lapsed, but its process is gone: the sweep frees the rows and sends them.
        assert all(d.next_attempt_at and d.next_attempt_at > utcnow() + timedelta(seconds=60) for d in claimed)
        outbox.sweep()
    settle(app)
    assert statuses(app) == Counter({"sent": 3})
    assert sorted(received_per_officer(smtp[0]).values()) == [1, 1, 1]


def test_a_live_workers_claim_is_left_alone_until_it_lapses(app: Flask):
    distributed(app, 2, send=False)
    with app.app_context():
        assert len(outbox.claim_batch(db.session, 10)) == 2  # this very process: alive
        assert outbox.release_dead_claims(db.session) == 0
        assert outbox.claim_batch(db.session, 10) == []
        db.session.execute(db.update(Delivery).values(claimed_by="another-host:1:1"))
        db.session.commit()
        assert outbox.release_dead_claims(db.session) == 0  # another machine's: wait for the claim to lapse
        db.session.execute(db.update(Delivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert len(outbox.claim_batch(db.session, 10)) == 2


def test_this_worker_is_named_by_host_pid_and_start():
    me = workers.this_worker()
    assert not workers.is_dead(me)
    host, pid, started = me.split(":")
    assert int(pid) == os.getpid() and started.isdigit()
    assert workers.is_dead(f"{host}:{pid}:{int(started) + 1}")  # same pid, another process
    assert not workers.is_dead(f"elsewhere:{pid}:{started}")


def test_sigkill_mid_run_then_restart_loses_nobody_and_resends_nothing_recorded(
    app: Flask, smtp: tuple[Inbox, int], tmp_path: Path
):
    inbox, _ = smtp
    inbox.delay = 0.05
    distributed(app, 60, send=False)
    env = worker_env(app, smtp[1], SEND_BATCH="10", SEND_CONNECTIONS="1")
    flask = [sys.executable, "-m", "flask", "--app", "app", "outbox", "send"]
    worker = subprocess.Popen(flask, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    inbox.wait_for(25)
    worker.send_signal(signal.SIGKILL)
    worker.wait(30)
    with app.app_context():
        recorded = set(db.session.scalars(db.select(Delivery.message_id).where(Delivery.status == "sent")))
    assert 0 < len(recorded) < 60
    restarted = subprocess.run(flask, cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert restarted.returncode == 0, restarted.stderr.decode()
    assert statuses(app) == Counter({"sent": 60})
    assert set(received_per_officer(inbox)) == {f"Officer {i:03} <officer{i:03}@nic.in>" for i in range(60)}
    times_received = Counter(m["Message-ID"] for m in inbox.messages)
    assert all(times_received[message_id] == 1 for message_id in recorded)


def test_pause_stops_sending_within_one_batch(app: Flask, smtp: tuple[Inbox, int]):
    inbox, _ = smtp
    inbox.delay = 0.05
    app.config["SEND_CONNECTIONS"] = 1
    endorsement_id = distributed(app, 40)
    inbox.wait_for(1)
    with app.app_context():
        dispatch.set_sending(db.session, endorsement_id, dispatch.SENDING_ACTIONS["pause"], None)
        db.session.commit()
    settle(app)
    paused_at = len(inbox.messages)
    assert paused_at <= 10 + 1  # the batch on the wire, and at most one claimed as the pause landed
    time.sleep(0.3)
    assert len(inbox.messages) == paused_at
    with app.app_context():
        dispatch.set_sending(db.session, endorsement_id, dispatch.SENDING_ACTIONS["resume"], None)
        db.session.commit()
    wait_until_sent(app, 40)
    assert sorted(received_per_officer(inbox).values()) == [1] * 40


def test_the_sweep_runs_by_itself_and_sends_what_nobody_started(app: Flask, smtp: tuple[Inbox, int]):
    distributed(app, 3, send=False)  # written, but the process "stopped" before starting to send
    app.config["OUTBOX_SWEEP_SECONDS"] = 0.2
    with app.app_context():
        jobs.executor().start_timers()  # type: ignore[attr-defined]
    smtp[0].wait_for(3, timeout=30)
    wait_until_sent(app, 3)


def test_a_server_that_is_away_stops_the_run_instead_of_timing_out_batch_after_batch(app: Flask):
    app.extensions["mail"].port = 1  # nothing listens there
    distributed(app, 25, send=False)
    with app.app_context():
        outbox.send_due()
    settle(app)
    with app.app_context():
        attempts = Counter(db.session.scalars(db.select(Delivery.attempts)))
    assert statuses(app) == Counter({"queued": 25})
    assert attempts == Counter({0: 24, 1: 1})  # one email found the server away; nothing else was tried
