"""Sending endorsements: writing the outbox (Delivery rows), composing each email, and sending one."""

import functools
import logging
import re
import smtplib
from datetime import datetime, timedelta
from email.utils import make_msgid

import sqlalchemy as sa
from flask import current_app, render_template

from models import DbSession, Delivery, DeliveryStatus, Endorsement, Officer, Recipient, RecipientState, utcnow
from services import audit, emails, files, outbox, workers
from services.acknowledgements import link_for, new_token
from services.errors import Conflict, Invalid
from services.letters import get_endorsement, long_date
from services.postbox import postbox

log = logging.getLogger(__name__)

# Temporary failures are tried again after 1, 2, 4... minutes, up to this many tries in all.
RETRY_AFTER = timedelta(minutes=1)
MAX_ATTEMPTS = 5
# The least time between two rounds of reminders for one endorsement.
REMINDER_GAP = timedelta(minutes=10)


def _new_delivery(recipient: Recipient, is_reminder: bool) -> Delivery:
    domain = current_app.config["MAIL_MSGID_DOMAIN"]
    return Delivery(recipient=recipient, is_reminder=is_reminder, message_id=make_msgid("pavati", domain))


def _issued(session: DbSession, endorsement_id: int) -> Endorsement:
    endorsement = get_endorsement(session, endorsement_id)
    if not endorsement.is_issued:
        raise Conflict("Issue the letter before sending it.")
    return endorsement


def _not_yet_sent(endorsement_id: int) -> sa.Select[tuple[Officer]]:
    """Active officers who are not yet recipients of this endorsement."""
    already = sa.select(Recipient.officer_id).where(Recipient.endorsement_id == endorsement_id)
    return sa.select(Officer).where(Officer.active.is_(True), Officer.id.not_in(already))


def count_not_yet_sent(session: DbSession, endorsement_id: int) -> int:
    """How many active officers a further "send" would reach (officers added since the first)."""
    return session.scalar(sa.select(sa.func.count()).select_from(_not_yet_sent(endorsement_id).subquery())) or 0


def distribute(session: DbSession, endorsement_id: int, actor_id: int | None) -> int:
    """Queue the issued letter for every active officer not yet sent it; returns how many were added.

    The Delivery rows are the outbox: they are written in this transaction, and sending starts
    only once it commits.
    """
    endorsement = _issued(session, endorsement_id)
    officers = session.scalars(_not_yet_sent(endorsement.id).order_by(Officer.id)).all()
    if not officers:
        already = sa.select(Recipient.id).where(Recipient.endorsement_id == endorsement.id)
        if session.scalar(sa.select(sa.func.count()).select_from(already.subquery())):
            raise Conflict("Every active officer has already been sent this letter.")
        raise Invalid("There are no active officers on the roster; import the roster first.")
    deliveries = []
    for officer in officers:
        nonce, token_hash = new_token()
        recipient = Recipient(
            endorsement=endorsement,
            officer=officer,
            email=officer.sparrow_email,
            token_nonce=nonce,
            token_hash=token_hash,
        )
        session.add(recipient)
        deliveries.append(_new_delivery(recipient, is_reminder=False))
    session.add_all(deliveries)
    session.flush()
    outbox.send_after_commit(session, [d.id for d in deliveries])
    audit.record(session, "endorsement.distributed", "endorsement", endorsement.id, actor_id, recipients=len(officers))
    return len(officers)


def send_reminders(session: DbSession, endorsement_id: int, actor_id: int | None) -> int:
    """Queue a reminder, with the same link, to every active recipient who has not answered.

    Refused within REMINDER_GAP of the last round, so that a double click (or two clerks at
    once) cannot mail every officer twice.
    """
    endorsement = _issued(session, endorsement_id)
    pending = session.scalars(
        sa.select(Recipient)
        .join(Officer, Officer.id == Recipient.officer_id)
        .where(
            Recipient.endorsement_id == endorsement.id,
            Recipient.state == RecipientState.PENDING.value,
            Officer.active.is_(True),
        )
    ).all()
    if not pending:
        return 0
    on_their_way = (
        sa.select(sa.func.count())
        .select_from(Delivery)
        .join(Recipient, Recipient.id == Delivery.recipient_id)
        .where(
            Recipient.endorsement_id == endorsement.id,
            in_flight(),
        )
    )
    if session.scalar(on_their_way):
        raise Conflict("Some emails of this letter are still being sent; send reminders once they have gone out.")
    now = utcnow()
    claimed = session.execute(
        sa.update(Endorsement)
        .where(
            Endorsement.id == endorsement.id,
            sa.or_(Endorsement.last_reminded_at.is_(None), Endorsement.last_reminded_at < now - REMINDER_GAP),
        )
        .values(last_reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        minutes = int(REMINDER_GAP.total_seconds() // 60)
        raise Conflict(f"Reminders went out less than {minutes} minutes ago; give officers time to answer.")
    deliveries = [_new_delivery(r, is_reminder=True) for r in pending]
    session.add_all(deliveries)
    session.flush()
    outbox.send_after_commit(session, [d.id for d in deliveries])
    audit.record(session, "endorsement.reminded", "endorsement", endorsement.id, actor_id, recipients=len(pending))
    return len(pending)


def latest_deliveries(endorsement_id: int) -> sa.Subquery:
    """Each recipient's most recent email on this endorsement: (recipient_id, delivery_id)."""
    return (
        sa.select(Delivery.recipient_id, sa.func.max(Delivery.id).label("delivery_id"))
        .join(Recipient, Recipient.id == Delivery.recipient_id)
        .where(Recipient.endorsement_id == endorsement_id)
        .group_by(Delivery.recipient_id)
        .subquery()
    )


def failed_deliveries(endorsement_id: int) -> sa.Select[tuple[int]]:
    """The deliveries to try again: each recipient's latest email, where it failed."""
    latest = latest_deliveries(endorsement_id)
    return (
        sa.select(Delivery.id)
        .join(latest, latest.c.delivery_id == Delivery.id)
        .where(Delivery.status.in_([DeliveryStatus.FAILED.value, DeliveryStatus.BOUNCED.value]))
    )


def retry_failed(session: DbSession, endorsement_id: int, actor_id: int | None) -> int:
    """Queue again each recipient's latest email where it failed (an earlier failure since
    superseded by a reminder that went through is left alone)."""
    endorsement = _issued(session, endorsement_id)
    ids = list(session.scalars(failed_deliveries(endorsement.id)))
    if not ids:
        return 0
    session.execute(
        sa.update(Delivery)
        .where(Delivery.id.in_(ids))
        .values(status=DeliveryStatus.QUEUED.value, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    outbox.send_after_commit(session, ids)
    audit.record(session, "endorsement.retried", "endorsement", endorsement.id, actor_id, deliveries=len(ids))
    return len(ids)


def _attachment_name(file_no: str) -> str:
    return (re.sub(r"[^A-Za-z0-9]+", "-", file_no).strip("-") or "endorsement") + ".pdf"


@functools.lru_cache(maxsize=4)
def _letter_part(pdf_sha256: str, filename: str) -> bytes:
    """The issued PDF as a MIME part, encoded once for all of a letter's emails (stored files never change)."""
    return emails.attachment(filename, "application/pdf", files.load(pdf_sha256))


def compose(delivery: Delivery) -> emails.Email:
    """The email for one delivery: the officer's own link, the issued PDF attached."""
    recipient = delivery.recipient
    endorsement = recipient.endorsement
    context = {
        "officer": recipient.officer,
        "e": endorsement,
        "c": endorsement.circular,
        "link": link_for(recipient),
        "reminder": delivery.is_reminder,
        "deadline": long_date(endorsement.deadline) if endorsement.deadline else None,
        "office": current_app.config,
    }
    prefix = "Reminder: " if delivery.is_reminder else ""
    assert endorsement.pdf_sha256
    return emails.Email(
        sender=emails.sender(current_app.config["MAIL_DEFAULT_SENDER"]),
        to=(recipient.officer.name, recipient.email),
        subject=f"{prefix}{endorsement.circular.subject}"[:250],
        message_id=delivery.message_id,
        sent_at=utcnow(),
        text=render_template("email/endorsement.txt", **context),
        html=render_template("email/endorsement.html", **context),
        attachments=(_letter_part(endorsement.pdf_sha256, _attachment_name(endorsement.file_no)),),
    )


def _due(now: datetime) -> sa.ColumnElement[bool]:
    """Rows a worker may take: queued and due, or left "sending" by a worker whose claim has lapsed."""
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


def claim(session: DbSession, delivery_id: int) -> bool:
    """Mark a due delivery as being sent by this worker; False if another has it or it is not due.

    The claim lasts SEND_CLAIM_SECONDS: past that, its worker is taken to have died and the row is
    due again (sooner, for a worker of this machine that is known to be gone: see `release_dead_claims`).
    """
    now = utcnow()
    result = session.execute(
        sa.update(Delivery)
        .where(Delivery.id == delivery_id, _due(now))
        .values(
            status=DeliveryStatus.SENDING.value,
            attempts=Delivery.attempts + 1,
            next_attempt_at=now + timedelta(seconds=current_app.config["SEND_CLAIM_SECONDS"]),
            claimed_by=workers.this_worker(),
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


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
        .values(status=DeliveryStatus.QUEUED.value, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def is_temporary(exc: Exception) -> bool:
    """A failure worth trying again by itself: the server was away or said "try later" (4xx)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    # Any other SMTP error is the server's considered no; any other OSError is the network
    # (DNS, routes, refused or timed-out connections) and may well pass.
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def send_delivery(session: DbSession, delivery_id: int) -> str:
    """Send one outbox row and record the outcome; returns the status it ends in.

    At least once: the row is claimed before sending and marked sent after, so a crash in
    between sends it again later, with the same Message-ID. A temporary failure is queued
    again with a growing delay; a permanent one (or too many tries) is marked failed.
    """
    if not claim(session, delivery_id):
        return "skipped"
    delivery = session.get(Delivery, delivery_id)
    assert delivery is not None
    recipient = delivery.recipient
    if delivery.is_reminder and (recipient.state != RecipientState.PENDING.value or not recipient.officer.active):
        delivery.status = DeliveryStatus.CANCELLED.value
        delivery.last_error = "Not sent: the officer answered (or left the roster) before the reminder went out."
        delivery.next_attempt_at = None
        session.commit()
        return delivery.status
    sent = False
    try:
        email = compose(delivery)
        with postbox().open() as out:
            out.send(email.sender[1], [email.to[1]], email.as_bytes())
            sent = True
            # Recorded before the goodbye: if this process dies now, the letter is not sent again.
            _record_sent(session, delivery)
    except Exception as exc:  # any failure of the mail server or the message is this row's failure
        session.rollback()
        if not sent:
            _record_failure(session, delivery, exc)
        # Else the server has it: only the goodbye failed (or, rarely, the record; the claim then
        # lapses and the letter goes again with the same Message-ID: at least once).
    return delivery.status


def _record_sent(session: DbSession, delivery: Delivery) -> None:
    delivery.status = DeliveryStatus.SENT.value
    delivery.sent_at = utcnow()
    delivery.last_error = None
    delivery.next_attempt_at = None
    session.commit()


def _record_failure(session: DbSession, delivery: Delivery, exc: Exception) -> None:
    """A temporary failure is queued again with a growing delay; a permanent one (or too many tries) fails."""
    log.warning("delivery %s to %s failed: %s", delivery.id, delivery.recipient.email, exc)
    delivery.last_error = f"{type(exc).__name__}: {exc}"[:1000]
    if is_temporary(exc) and delivery.attempts < MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.QUEUED.value
        delivery.next_attempt_at = utcnow() + RETRY_AFTER * 2 ** (delivery.attempts - 1)
    else:
        delivery.status = DeliveryStatus.FAILED.value
        delivery.next_attempt_at = None
    session.commit()


def due_deliveries(session: DbSession, limit: int = 10_000) -> list[int]:
    """Outbox rows waiting to be sent now, oldest first (those of dead workers of this machine included)."""
    release_dead_claims(session)
    query = sa.select(Delivery.id).where(_due(utcnow())).order_by(Delivery.id).limit(limit)
    return list(session.scalars(query))
