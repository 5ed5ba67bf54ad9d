"""The outbox: sending queued Delivery rows in batches over reused SMTP connections, and recording what happened.

A worker claims a batch in one statement, sends it over one connection, and records the outcomes
in one go. At least once: a row is claimed before it is sent and recorded after, so a worker that
dies in between leaves it to be sent again, with the same Message-ID, once its claim lapses (at once
if the worker was on this machine).
"""

import logging
import random
import smtplib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from models import (
    PENDING,
    DbSession,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Endorsement,
    Recipient,
    SendingState,
    db,
    utcnow,
)
from services import emails, jobs, ratelimit, workers
from services.letter_mail import LetterParts, compose
from services.postbox import Outgoing, postbox

log = logging.getLogger(__name__)

# Outcomes are written at least this often while a slow server works through a batch, so a worker
# killed mid-batch sends again only what went in the last moments.
RECORD_EVERY_SECONDS = 1.0


def _setting(name: str) -> Any:
    return current_app.config[name]


def _due(now: datetime) -> sa.ColumnElement[bool]:
    """Rows a worker may take: queued and due, or claimed by a worker whose claim has lapsed."""
    return sa.or_(
        sa.and_(
            Delivery.status == DeliveryStatus.QUEUED.value,
            sa.or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        ),
        sa.and_(Delivery.status == DeliveryStatus.SENDING.value, Delivery.next_attempt_at < now),
    )


def in_flight() -> sa.ColumnElement[bool]:
    """Rows on their way: queued, or claimed by a worker whose claim has not lapsed."""
    return sa.or_(
        Delivery.status == DeliveryStatus.QUEUED.value,
        sa.and_(Delivery.status == DeliveryStatus.SENDING.value, Delivery.next_attempt_at >= utcnow()),
    )


def claim_batch(session: DbSession, size: int) -> list[int]:
    """Take up to `size` due rows of letters that are being sent (not paused or cancelled), in one
    statement; committed, so that no other worker takes them. Returns their ids."""
    now = utcnow()
    pick = (
        sa.select(Delivery.id)
        .join(Endorsement, Endorsement.id == Delivery.endorsement_id)
        .where(_due(now), Endorsement.sending == SendingState.ACTIVE.value)
        .order_by(Delivery.id)
        .limit(size)
        # PostgreSQL: workers skip each other's rows instead of waiting (SQLite takes writers in turn).
        .with_for_update(skip_locked=True, of=Delivery)
    )
    ids = session.scalars(
        sa.update(Delivery)
        .where(Delivery.id.in_(pick.scalar_subquery()))
        .values(
            status=DeliveryStatus.SENDING.value,
            attempts=Delivery.attempts + 1,
            next_attempt_at=now + timedelta(seconds=_setting("SEND_CLAIM_SECONDS")),
            claimed_by=workers.this_worker(),
        )
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    ).all()
    session.commit()
    return sorted(ids)


def release_dead_claims(session: DbSession) -> int:
    """Make due again, at once, the rows claimed by a worker of this machine that has since died
    (its process is gone), instead of leaving them "sending" until the claim lapses."""
    claims = session.scalars(
        sa.select(Delivery.claimed_by).where(Delivery.status == DeliveryStatus.SENDING.value).distinct()
    ).all()
    dead = [c for c in claims if c and workers.is_dead(c)]
    if not dead:
        return 0
    result = session.execute(
        sa.update(Delivery)
        .where(Delivery.status == DeliveryStatus.SENDING.value, Delivery.claimed_by.in_(dead))
        .values(status=DeliveryStatus.QUEUED.value, next_attempt_at=None, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def is_temporary(exc: Exception) -> bool:
    """A failure worth trying again by itself: the server said "try later" (4xx) or went away."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    # Any other SMTP error is the server's considered no; any other OSError is the network
    # (DNS, routes, refused or timed-out connections) and may well pass.
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def _connection_lost(exc: Exception) -> bool:
    """The connection is gone (dropped, timed out, or closed by smtplib after a 421)."""
    return isinstance(exc, smtplib.SMTPServerDisconnected) or (
        isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)
    )


def _reply(exc: Exception) -> str:
    """What to keep of a failure: the server's own reply where it gave one."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, said = next(iter(exc.recipients.values()))
        return f"{code} {_text(said)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


def _text(said: bytes | str) -> str:
    return said.decode(errors="replace") if isinstance(said, bytes) else str(said)


def retry_delay(attempts: int) -> float:
    """Seconds before another try: SEND_RETRY_BASE_SECONDS, doubling with each try, with jitter so
    that many rows refused at once do not all come back at once."""
    return float(_setting("SEND_RETRY_BASE_SECONDS")) * 2 ** max(0, attempts - 1) * random.uniform(0.75, 1.25)


@dataclass
class Outcomes:
    """What happened to the rows of a batch, written to the database together."""

    sent: list[int] = field(default_factory=list)
    others: list[dict[str, Any]] = field(default_factory=list)
    retry_in: float | None = None
    unreachable: Exception | None = None
    written_at: float = field(default_factory=time.monotonic)

    def fail(self, delivery: Delivery, exc: Exception) -> None:
        reply = _reply(exc)[:1000]
        log.warning("delivery %s to %s failed: %s", delivery.id, delivery.to_email, reply)
        if is_temporary(exc) and delivery.attempts < _setting("SEND_MAX_ATTEMPTS"):
            delay = retry_delay(delivery.attempts)
            self.retry_in = min(self.retry_in or delay, delay)
            status, at = DeliveryStatus.QUEUED.value, utcnow() + timedelta(seconds=delay)
        else:
            status, at = DeliveryStatus.FAILED.value, None
        self.others.append({"id": delivery.id, "status": status, "next_attempt_at": at, "last_error": reply})

    def cancel(self, delivery: Delivery, why: str) -> None:
        self.others.append(
            {"id": delivery.id, "status": DeliveryStatus.CANCELLED.value, "next_attempt_at": None, "last_error": why}
        )

    def release(self, delivery: Delivery, exc: Exception) -> None:
        """Not tried, since the server could not be reached: queued again for when the row that
        found it away is tried again; this claim is not counted as a try."""
        delay = self.retry_in if self.retry_in is not None else retry_delay(1)
        self.others.append(
            {
                "id": delivery.id,
                "status": DeliveryStatus.QUEUED.value,
                "next_attempt_at": utcnow() + timedelta(seconds=delay),
                "last_error": _reply(exc)[:1000],
                "attempts": delivery.attempts - 1,
            }
        )

    def write(self, session: DbSession) -> None:
        if self.sent:
            session.execute(
                sa.update(Delivery)
                .where(Delivery.id.in_(self.sent))
                .values(status=DeliveryStatus.SENT.value, sent_at=utcnow(), next_attempt_at=None, last_error=None)
                .execution_options(synchronize_session=False)
            )
        for row in self.others:  # few, and each with its own values
            values = {k: v for k, v in row.items() if k != "id"}
            session.execute(sa.update(Delivery).where(Delivery.id == row["id"]).values(**values))
        session.commit()
        self.sent, self.others, self.written_at = [], [], time.monotonic()


class Connection:
    """The postbox connection a worker sends over: opened when first needed, opened again after a drop."""

    def __init__(self) -> None:
        self._context: Any = None
        self._out: Outgoing | None = None

    def send(self, email: emails.Email) -> None:
        if self._out is None:
            self._context = postbox().open()
            self._out = self._context.__enter__()
        assert self._out is not None
        self._out.send(email.sender[1], [email.to[1]], email.as_bytes())

    def close(self) -> None:
        if self._context is not None:
            context, self._context, self._out = self._context, None, None
            context.__exit__(None, None, None)


def _no_longer_wanted(delivery: Delivery) -> str | None:
    """Why a reminder claimed for sending should not go after all."""
    if delivery.kind != DeliveryKind.REMINDER or delivery.recipient is None:
        return None
    if delivery.recipient.state != PENDING or not delivery.recipient.officer.active:
        return "Not sent: the officer answered (or left the roster) before the reminder went out."
    return None


def send_batch(session: DbSession, ids: list[int], connection: Connection, parts: LetterParts) -> Outcomes:
    """Send the claimed rows over `connection` and record what happened, in as few writes as may be."""
    deliveries = session.scalars(
        sa.select(Delivery)
        .where(Delivery.id.in_(ids))
        .options(joinedload(Delivery.recipient).joinedload(Recipient.officer), joinedload(Delivery.endorsement))
        .order_by(Delivery.id)
    ).all()
    limiter = _limiter()
    outcomes = Outcomes()
    for delivery in deliveries:
        if outcomes.unreachable is not None:
            outcomes.release(delivery, outcomes.unreachable)
            continue
        if why := _no_longer_wanted(delivery):
            outcomes.cancel(delivery, why)
            continue
        try:
            email = compose(delivery, parts)
        except Exception as exc:  # a letter that cannot be written (a lost link, a bad address) fails alone
            outcomes.fail(delivery, exc)
            continue
        limiter.take()
        try:
            _send_or_resend_once(connection, email)
        except Exception as exc:
            if _connection_lost(exc):
                outcomes.unreachable = exc  # twice in a row: the server is away; the rest waits for a retry
            outcomes.fail(delivery, exc)
        else:
            outcomes.sent.append(delivery.id)
        if time.monotonic() - outcomes.written_at > RECORD_EVERY_SECONDS:
            outcomes.write(session)
    return outcomes


def _send_or_resend_once(connection: Connection, email: emails.Email) -> None:
    """Send; if the connection was lost, open a new one and send again, once (same Message-ID: where
    the drop fell after the server took the message, a reader's mail program shows one)."""
    try:
        connection.send(email)
    except Exception as exc:
        if not _connection_lost(exc):
            raise
        connection.close()
        connection.send(email)


@jobs.job(at_once="SEND_CONNECTIONS")
def send_due() -> None:
    """Send due rows, batch after batch, until none is left. A first full batch that went well starts
    another worker, so a large letter goes over SEND_CONNECTIONS connections at once (and a server
    that is away is not tried by a crowd)."""
    session = db.session
    connection, parts = Connection(), LetterParts()
    retry_in: float | None = None
    joined = False
    try:
        while ids := claim_batch(session, _setting("SEND_BATCH")):
            outcomes = send_batch(session, ids, connection, parts)
            if outcomes.retry_in is not None:
                retry_in = min(retry_in or outcomes.retry_in, outcomes.retry_in)
            outcomes.write(session)
            if outcomes.unreachable is not None:
                break  # the server is away: the rest waits for the retry, not a timeout per batch
            if not joined and len(ids) == _setting("SEND_BATCH"):
                jobs.run_now(send_due)
                joined = True
    finally:
        connection.close()
    if retry_in is not None:
        jobs.run_later(send_due, delay=retry_in + 0.05)


@jobs.job(every="OUTBOX_SWEEP_SECONDS")
def sweep() -> None:
    """The safety net, run every OUTBOX_SWEEP_SECONDS (or by Celery beat): free dead workers' rows and
    start sending whatever is due."""
    session = db.session
    release_dead_claims(session)
    if session.scalar(sa.select(Delivery.id).where(_due(utcnow())).limit(1)) is not None:
        jobs.run_now(send_due)


def _limiter() -> ratelimit.Limiter:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    limiter = app.extensions.get("pavati.ratelimit")
    if limiter is None:
        limiter = ratelimit.limiter_for(
            _setting("SEND_RATE_PER_MINUTE"), _setting("CELERY_BROKER_URL"), f"{_setting('CELERY_QUEUE')}:send-rate"
        )
        app.extensions["pavati.ratelimit"] = limiter
    return limiter
