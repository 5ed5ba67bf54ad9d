"""Background jobs: the thread pool's caps and timers, and real Celery workers on the real Redis."""

import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask

from models import Delivery, db
from services import dispatch, jobs
from tests.conftest import Inbox, issue_letter, worker_env

ROOT = Path(__file__).resolve().parent.parent
REDIS = "redis://127.0.0.1:6379/15"
running: Counter[str] = Counter()
most_at_once: Counter[str] = Counter()
_lock = threading.Lock()


@jobs.job(at_once="TEST_AT_ONCE")
def slow_job(name: str) -> None:
    with _lock:
        running[name] += 1
        most_at_once[name] = max(most_at_once[name], running[name])
    time.sleep(0.1)
    with _lock:
        running[name] -= 1


def test_a_capped_job_runs_at_most_so_many_at_once_and_none_asked_for_is_dropped(app: Flask):
    name = uuid.uuid4().hex
    with app.app_context():
        for _ in range(6):
            jobs.run_now(slow_job, name)
        assert jobs.executor().wait(10)
    assert most_at_once[name] == 2


def test_a_job_started_later_runs_after_its_delay(app: Flask):
    name = uuid.uuid4().hex
    with app.app_context():
        started = time.monotonic()
        jobs.run_later(slow_job, name, delay=0.3)
        deadline = time.monotonic() + 5
        while most_at_once[name] == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert most_at_once[name] == 1 and time.monotonic() - started >= 0.3


def redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def celery_only(test: Any) -> Any:
    """A test that runs real Celery workers: needs Redis (on CI it must be there)."""
    test = pytest.mark.celery(test)
    return pytest.mark.skipif(not redis_up() and not os.environ.get("CI"), reason="no Redis")(test)


@pytest.fixture
def queue() -> Iterator[str]:
    """A broker queue of this test's own, emptied after."""
    name = f"pavati-test-{uuid.uuid4().hex[:8]}"
    yield name
    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(f"{name}*"):
        client.delete(key)
    client.delete(name)


@pytest.fixture
def app_config(app_config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """For the tests marked `celery`, an app whose jobs go to Celery through this test's own queue."""
    app_config["TEST_AT_ONCE"] = 2
    if request.node.get_closest_marker("celery"):
        smtp: tuple[Inbox, int] = request.getfixturevalue("smtp")
        app_config.update(
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=smtp[1],
            CELERY_BROKER_URL=REDIS,
            CELERY_QUEUE=request.getfixturevalue("queue"),
            SEND_BATCH=10,
        )
    return app_config


@pytest.fixture
def celery_workers(app: Flask, smtp: tuple[Inbox, int], queue: str) -> Iterator[Any]:
    """Starts real Celery workers (`celery -A make_celery worker`) for this app; stops them after."""
    started: list[subprocess.Popen[bytes]] = []

    def start(count: int = 1, **settings: str) -> None:
        env = worker_env(app, smtp[1], CELERY_BROKER_URL=REDIS, CELERY_QUEUE=queue, SEND_BATCH="10", **settings)
        for _ in range(count):
            name = f"w{len(started)}-{queue}@%h"
            command = [sys.executable, "-m", "celery", "-A", "make_celery", "worker", "-P", "solo", "-n", name]
            started.append(subprocess.Popen([*command, "-l", "WARNING"], cwd=ROOT, env=env))

    yield start
    for worker in started:
        worker.terminate()
    for worker in started:
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()


def distributed(app: Flask, n: int) -> int:
    roster = "name,sparrow_email\n" + "".join(f"Officer {i:03},officer{i:03}@nic.in\n" for i in range(n))
    endorsement_id = issue_letter(app, roster)
    with app.app_context():
        dispatch.distribute(db.session, endorsement_id, None)
        db.session.commit()
    return endorsement_id


def sent(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).where(Delivery.status == "sent")) or 0


@celery_only
def test_with_a_broker_the_web_process_sends_nothing_and_workers_send_each_once(
    app: Flask, smtp: tuple[Inbox, int], celery_workers: Any
):
    inbox, _ = smtp
    distributed(app, 30)
    time.sleep(1.5)
    assert inbox.messages == [] and sent(app) == 0  # queued for workers that are not running yet
    celery_workers(2)
    inbox.wait_for(30, timeout=90)
    deadline = time.monotonic() + 30
    while sent(app) < 30 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sent(app) == 30
    time.sleep(0.5)
    assert sorted(Counter(str(m["To"]) for m in inbox.messages).values()) == [1] * 30


@celery_only
def test_the_rate_limit_holds_across_two_workers(app: Flask, smtp: tuple[Inbox, int], celery_workers: Any):
    inbox, _ = smtp
    celery_workers(2, SEND_RATE_PER_MINUTE="600")  # ten a second, shared through Redis
    distributed(app, 40)
    inbox.wait_for(40, timeout=90)
    arrived = sorted(inbox.arrived)
    # The bucket starts full (ten), then lets ten a second through: thirty more take about three seconds.
    assert arrived[-1] - arrived[0] >= 2.5
    per_second = Counter(int(t - arrived[0]) for t in arrived)
    assert max(per_second.values()) <= 20
