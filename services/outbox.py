"""The executor that sends outbox rows: a thread pool inside the app process.

Services hand it delivery ids with `send_after_commit`; they are submitted only when the
transaction that wrote them commits, so a worker never looks for a row that is not there yet.
A sweeper thread also looks for due rows every OUTBOX_SWEEP_SECONDS: retries that have come
due, and rows left behind by a process that stopped before sending them.
"""

import concurrent.futures
import functools
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from models import DbSession, db

log = logging.getLogger(__name__)

_PENDING = "pavati.outbox.pending"
Send = Callable[[DbSession, int], str]
Due = Callable[[DbSession], list[int]]


class ThreadOutbox:
    """Sends deliveries on a pool of threads, each in its own app context and database session."""

    def __init__(self, app: Flask, send: Send, due: Due, workers: int, sweep_seconds: float) -> None:
        self._app = app
        self._send = send
        self._due = due
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pavati-outbox")
        self._futures: set[Future[None]] = set()
        # Ids submitted and not yet finished: the sweeper must not queue them a second time.
        self._in_flight: set[int] = set()
        self._lock = threading.Lock()
        self._sweep_seconds = sweep_seconds
        self._sweeper: threading.Thread | None = None
        self._stopping = threading.Event()

    def submit(self, delivery_ids: Iterable[int]) -> None:
        """Send these deliveries in the background (each is claimed first, so duplicates are harmless)."""
        for delivery_id in delivery_ids:
            with self._lock:
                if delivery_id in self._in_flight:
                    continue
                self._in_flight.add(delivery_id)
            future = self._pool.submit(self._run, delivery_id)
            with self._lock:
                self._futures.add(future)
            future.add_done_callback(functools.partial(self._forget, delivery_id=delivery_id))

    def _forget(self, future: Future[None], *, delivery_id: int) -> None:
        with self._lock:
            self._futures.discard(future)
            self._in_flight.discard(delivery_id)

    def _run(self, delivery_id: int) -> None:
        with self._app.app_context():
            try:
                self._send(db.session, delivery_id)
            except Exception:
                # Logged, never swallowed silently; the row stays due and the sweeper tries it again.
                log.exception("sending delivery %s failed unexpectedly", delivery_id)
                db.session.rollback()
            finally:
                db.session.remove()

    def sweep(self) -> int:
        """Submit every due delivery once; returns how many."""
        with self._app.app_context():
            try:
                ids = self._due(db.session)
            finally:
                db.session.remove()
        with self._lock:
            ids = [i for i in ids if i not in self._in_flight]
        self.submit(ids)
        return len(ids)

    def start_sweeper(self) -> None:
        """Start the sweeper thread, once (it is started on the first request the app serves)."""
        if self._sweep_seconds <= 0 or self._sweeper is not None:
            return
        with self._lock:
            if self._sweeper is None:
                self._sweeper = threading.Thread(target=self._sweep_forever, name="pavati-sweeper", daemon=True)
                self._sweeper.start()

    def _sweep_forever(self) -> None:
        while not self._stopping.wait(self._sweep_seconds):
            try:
                self.sweep()
            except Exception:
                log.exception("outbox sweep failed; trying again in %ss", self._sweep_seconds)

    def wait(self, timeout: float = 30.0) -> bool:
        """Wait until every submitted delivery has been tried; False if time ran out."""
        with self._lock:
            futures = set(self._futures)
        _, not_done = concurrent.futures.wait(futures, timeout=timeout)
        return not not_done

    def shutdown(self, wait: bool = True) -> None:
        """Stop sweeping and sending; without `wait`, what is still queued is dropped (it stays due)."""
        self._stopping.set()
        self._pool.shutdown(wait=wait, cancel_futures=not wait)


def send_after_commit(session: DbSession, delivery_ids: list[int]) -> None:
    """Send these deliveries once the session's transaction commits (and never if it rolls back)."""
    session.info.setdefault(_PENDING, []).extend(delivery_ids)


@sa.event.listens_for(Session, "after_commit")
def _submit_committed(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids:
        executor().submit(ids)


@sa.event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: object) -> None:
    session.info.pop(_PENDING, None)


def init_app(app: Flask, send: Send, due: Due) -> None:
    """Give the app its outbox executor; the sweeper starts with the first request."""
    box = ThreadOutbox(app, send, due, app.config["OUTBOX_WORKERS"], app.config["OUTBOX_SWEEP_SECONDS"])
    app.extensions["pavati.outbox"] = box
    app.before_request(box.start_sweeper)


def executor() -> ThreadOutbox:
    """The app's outbox executor."""
    box: ThreadOutbox = current_app.extensions["pavati.outbox"]
    return box
