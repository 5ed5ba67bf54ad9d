"""The executor that sends outbox rows: a thread pool inside the app process.

Services hand it delivery ids with `send_after_commit`; they are submitted only when the
transaction that wrote them commits, so a worker never looks for a row that is not there yet.
"""

import concurrent.futures
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from models import db

log = logging.getLogger(__name__)

_PENDING = "pavati.outbox.pending"


class ThreadOutbox:
    """Sends deliveries on a pool of threads, each in its own app context and database session."""

    def __init__(self, app: Flask, send: Callable[[Session, int], str], workers: int) -> None:
        self._app = app
        self._send = send
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pavati-outbox")
        self._futures: set[Future[None]] = set()
        self._lock = threading.Lock()

    def submit(self, delivery_ids: Iterable[int]) -> None:
        for delivery_id in delivery_ids:
            future = self._pool.submit(self._run, delivery_id)
            with self._lock:
                self._futures.add(future)
            future.add_done_callback(self._forget)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._futures.discard(future)

    def _run(self, delivery_id: int) -> None:
        with self._app.app_context():
            try:
                self._send(db.session, delivery_id)
            except Exception:
                # Logged, never swallowed silently; the row stays queued/sending and is picked up again.
                log.exception("sending delivery %s failed unexpectedly", delivery_id)
                db.session.rollback()
            finally:
                db.session.remove()

    def wait(self, timeout: float = 30.0) -> bool:
        """Wait until every submitted delivery has been tried; False if time ran out."""
        with self._lock:
            futures = set(self._futures)
        done, not_done = concurrent.futures.wait(futures, timeout=timeout)
        return not not_done

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


def send_after_commit(session: Session, delivery_ids: list[int]) -> None:
    """Send these deliveries once the session's transaction commits (and never if it rolls back)."""
    session.info.setdefault(_PENDING, []).extend(delivery_ids)


@sa.event.listens_for(Session, "after_commit")
def _submit_committed(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids:
        current_app.extensions["pavati.outbox"].submit(ids)


@sa.event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: object) -> None:
    session.info.pop(_PENDING, None)


def init_app(app: Flask, send: Callable[[Session, int], str]) -> None:
    """Give the app its outbox executor."""
    app.extensions["pavati.outbox"] = ThreadOutbox(app, send, app.config["OUTBOX_WORKERS"])


def executor() -> ThreadOutbox:
    """The app's outbox executor."""
    box: ThreadOutbox = current_app.extensions["pavati.outbox"]
    return box
