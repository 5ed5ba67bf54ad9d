"""Background work: jobs that take ids, started once the deciding transaction commits, on threads or Celery.

A job is a plain function of ids, registered with `@job`; it runs in an app context and uses
`db.session`. Services call `run_after_commit(session, a_job, *ids)` and never know what runs it:
the in-process thread pool by default, or Celery workers when CELERY_BROKER_URL is set.
"""

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from typing import Any, Protocol

import sqlalchemy as sa
from celery import Celery, Task
from flask import Flask, current_app
from sqlalchemy.orm import Session

from models import DbSession, db

log = logging.getLogger(__name__)

Job = Callable[..., Any]
_JOBS: dict[str, Job] = {}
# Settings that cap how many of a job run at once in one process, and how often a job runs by itself.
_AT_ONCE: dict[str, str] = {}
_EVERY: dict[str, str] = {}
_PENDING = "pavati.jobs.pending"
CELERY_TASK = "pavati.run_job"


def job(func: Job | None = None, *, at_once: str | None = None, every: str | None = None) -> Any:
    """Register a job under its module and name.

    `at_once` names the setting that caps how many run together in one process (a start asked for
    at the cap runs when one ends, so none is dropped); `every` names the setting of seconds between
    runs by itself (the thread pool's timer, or Celery beat).
    """

    def register(func: Job) -> Job:
        name = f"{func.__module__}.{func.__name__}"
        _JOBS[name] = func
        if at_once:
            _AT_ONCE[name] = at_once
        if every:
            _EVERY[name] = every
        func.job_name = name  # type: ignore[attr-defined]
        return func

    return register(func) if func is not None else register


def name_of(func: Job) -> str:
    name: str = func.job_name  # type: ignore[attr-defined]
    return name


def run_job(name: str, args: list[Any]) -> Any:
    """Run a registered job by name, in the current app context (what every executor calls)."""
    return _JOBS[name](*args)


class Executor(Protocol):
    """What runs jobs: `submit` starts one (after `delay` seconds); `wait` is for tests and shutdown."""

    def submit(self, name: str, args: list[Any], delay: float = 0) -> None: ...

    def wait(self, timeout: float = 30.0) -> bool: ...

    def shutdown(self, wait: bool = True) -> None: ...


class ThreadExecutor:
    """Runs jobs on a pool of threads in this process, each in its own app context and session."""

    def __init__(self, app: Flask, workers: int) -> None:
        self._app = app
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pavati-job")
        self._lock = threading.Lock()
        self._futures: set[Future[None]] = set()
        self._timers: set[threading.Timer] = set()
        self._running: dict[str, int] = {}
        self._again: set[str] = set()
        self._periodic: list[threading.Thread] = []
        self._stopping = threading.Event()

    def submit(self, name: str, args: list[Any], delay: float = 0) -> None:
        if self._stopping.is_set():
            return
        if delay > 0:
            timer = threading.Timer(delay, self._timer_fired, args=(name, args))
            timer.daemon = True
            with self._lock:
                self._timers.add(timer)
            timer.start()
            return
        with self._lock:
            limit = int(self._app.config[_AT_ONCE[name]]) if name in _AT_ONCE else 0
            if limit and self._running.get(name, 0) >= limit:
                self._again.add(name)  # one of those running starts it again when it ends
                return
            self._running[name] = self._running.get(name, 0) + 1
            future = self._pool.submit(self._run, name, args)
            self._futures.add(future)
        future.add_done_callback(self._futures.discard)

    def _timer_fired(self, name: str, args: list[Any]) -> None:
        with self._lock:
            self._timers = {t for t in self._timers if t.is_alive() and t is not threading.current_thread()}
        self.submit(name, args)

    def _run(self, name: str, args: list[Any]) -> None:
        with self._app.app_context():
            try:
                run_job(name, args)
            except Exception:
                # Logged, never swallowed silently; what the job left undone stays due and is swept up.
                log.exception("job %s%s failed", name, tuple(args))
                db.session.rollback()
            finally:
                db.session.remove()
        with self._lock:
            self._running[name] -= 1
            again = name in self._again
            self._again.discard(name)
        if again:
            self.submit(name, args)

    def start_timers(self) -> None:
        """Start running the periodic jobs, once (on the first request the app serves)."""
        with self._lock:
            if self._periodic:
                return
            for name, setting in _EVERY.items():
                seconds = float(self._app.config[setting])
                if seconds > 0:
                    thread = threading.Thread(target=self._every, args=(name, seconds), daemon=True)
                    self._periodic.append(thread)
                    thread.start()

    def _every(self, name: str, seconds: float) -> None:
        while not self._stopping.wait(seconds):
            self.submit(name, [])

    def wait(self, timeout: float = 30.0) -> bool:
        """Wait until every job started (and every job those start) has finished; False if time ran out.
        Delayed jobs not yet due are not waited for."""
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.start()
        try:
            while not deadline.is_set():
                with self._lock:
                    futures = set(self._futures)
                if not futures:
                    return True
                wait_for(futures, timeout=0.5)
            return False
        finally:
            timer.cancel()

    def shutdown(self, wait: bool = True) -> None:
        self._stopping.set()
        with self._lock:
            timers = list(self._timers)
        for timer in timers:
            timer.cancel()
        self._pool.shutdown(wait=wait, cancel_futures=not wait)


class CeleryExecutor:
    """Hands jobs to Celery workers through the broker; this process runs none of them."""

    def __init__(self, celery: Any) -> None:
        self._celery = celery

    def submit(self, name: str, args: list[Any], delay: float = 0) -> None:
        # Delivered at least once: every job is safe to run twice (sending claims its rows first).
        self._celery.send_task(CELERY_TASK, args=[name, args], countdown=delay or None)

    def wait(self, timeout: float = 30.0) -> bool:
        return True

    def shutdown(self, wait: bool = True) -> None:
        return None


def run_after_commit(session: DbSession, func: Job, *args: Any) -> None:
    """Start `func(*args)` once the session's transaction commits (and never if it rolls back)."""
    session.connection()  # a transaction is under way, so that a rollback is seen and drops the job
    session.info.setdefault(_PENDING, []).append((name_of(func), list(args)))


def run_now(func: Job, *args: Any) -> None:
    """Start `func(*args)` now, from a job or a command (there is no transaction to wait for)."""
    executor().submit(name_of(func), list(args))


def run_later(func: Job, *args: Any, delay: float) -> None:
    """Start `func(*args)` after `delay` seconds (a retry that is not due yet)."""
    executor().submit(name_of(func), list(args), delay=delay)


@sa.event.listens_for(Session, "after_commit")
def _start_committed(session: Session) -> None:
    started = session.info.pop(_PENDING, None)
    if not started:
        return
    seen: set[tuple[str, str]] = set()
    for name, args in started:
        if (name, repr(args)) not in seen:  # the same job asked twice in one transaction runs once
            seen.add((name, repr(args)))
            executor().submit(name, args)


@sa.event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: object) -> None:
    session.info.pop(_PENDING, None)


def init_app(app: Flask) -> None:
    """Give the app its executor: Celery when CELERY_BROKER_URL is set, else the thread pool (whose
    periodic jobs start with the first request)."""
    if app.config.get("CELERY_BROKER_URL"):
        app.extensions["pavati.jobs"] = CeleryExecutor(celery_init_app(app))
    else:
        pool = ThreadExecutor(app, app.config["JOB_THREADS"])
        app.extensions["pavati.jobs"] = pool
        app.before_request(pool.start_timers)


def celery_init_app(app: Flask) -> Celery:
    """Flask's Celery pattern: every task runs in an app context. One task runs any registered job
    by name; beat runs the periodic ones."""

    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                finally:
                    db.session.remove()

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"],
        task_default_queue=app.config["CELERY_QUEUE"],
        task_ignore_result=True,
        # A task is acknowledged only once done, and given to another worker if its worker dies.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        beat_schedule={
            name: {"task": CELERY_TASK, "schedule": float(app.config[setting]), "args": [name, []]}
            for name, setting in _EVERY.items()
            if float(app.config[setting]) > 0
        },
    )

    @celery.task(name=CELERY_TASK)
    def _run(name: str, args: list[Any]) -> None:
        run_job(name, args)

    app.extensions["celery"] = celery
    return celery


def runs_here() -> bool:
    """True when jobs run in this process (the thread pool), so that a job may be handed what must never
    travel through a broker (a password)."""
    return isinstance(executor(), ThreadExecutor)


def executor() -> Executor:
    """The app's executor."""
    box: Executor = current_app.extensions["pavati.jobs"]
    return box
