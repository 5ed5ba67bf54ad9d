"""Deciding who is sent what: the letter to officers and copy-to offices, reminders, retries, pause and cancel.

Every decision writes outbox rows (Delivery) in the caller's transaction; sending starts only once
it commits (services.outbox sends them). Rows are written in chunks, never all held at once.
"""

import itertools
import re
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from email.utils import make_msgid
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from models import (
    PENDING,
    DbSession,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Endorsement,
    Officer,
    Recipient,
    SendingState,
    db,
    utcnow,
)
from services import audit, days, emails, jobs, outbox
from services.acknowledgements import new_token
from services.errors import Conflict, Invalid
from services.letters import get_endorsement

# The least time between two rounds of reminders sent by hand for one endorsement.
REMINDER_GAP = timedelta(minutes=10)
CHUNK = 1000
_OFFICE_WITH_EMAIL = re.compile(r"([^<>]{0,300})<([^<>\s]{3,254})>\s*")
# The words staff use for changing a distribution's state (buttons, API paths).
SENDING_ACTIONS = {"pause": SendingState.PAUSED, "resume": SendingState.ACTIVE, "cancel": SendingState.CANCELLED}


def _issued(session: DbSession, endorsement_id: int) -> Endorsement:
    endorsement = get_endorsement(session, endorsement_id)
    if not endorsement.is_issued:
        raise Conflict("Issue the letter before sending it.")
    return endorsement


def _sendable(session: DbSession, endorsement_id: int) -> Endorsement:
    endorsement = _issued(session, endorsement_id)
    if endorsement.sending == SendingState.CANCELLED:
        raise Conflict("This distribution was cancelled; nothing more is sent for this letter.")
    return endorsement


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    iterator = iter(ids)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        yield chunk


def _row(endorsement_id: int, kind: DeliveryKind, round_: int, name: str, email: str, **more: Any) -> dict[str, Any]:
    """An outbox row as values for a bulk insert, with its Message-ID fixed now."""
    return {
        "endorsement_id": endorsement_id,
        "kind": kind.value,
        "round": round_,
        "to_name": name[:200],
        "to_email": email,
        "message_id": make_msgid("pavati", current_app.config["MAIL_MSGID_DOMAIN"]),
        **more,
    }


def _write(session: DbSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(sa.insert(Delivery), rows)


def _not_yet_sent(endorsement_id: int) -> sa.Select[tuple[int]]:
    """Active officers who are not yet recipients of this endorsement."""
    # NOT EXISTS, an anti-join on the (endorsement, officer) key: PostgreSQL runs NOT IN (subquery) by
    # hashing the letter's recipients only while they fit in work_mem, and past that reads them all again
    # for each officer.
    already = sa.exists().where(Recipient.endorsement_id == endorsement_id, Recipient.officer_id == Officer.id)
    return sa.select(Officer.id).where(Officer.active.is_(True), ~already)


def count_not_yet_sent(session: DbSession, endorsement_id: int) -> int:
    """How many active officers a further "send" would reach (officers added since the first)."""
    return session.scalar(sa.select(sa.func.count()).select_from(_not_yet_sent(endorsement_id).subquery())) or 0


def copy_offices(endorsement: Endorsement) -> list[tuple[str, str]]:
    """The copy-to offices that have an email address (`Name of office <email>`), as (name, email)."""
    offices = []
    for line in endorsement.copy_to_list:
        if not (match := _OFFICE_WITH_EMAIL.fullmatch(line)):
            continue
        name, address = match.group(1).strip(), match.group(2).strip().lower()
        try:
            emails.mailbox(name, address)
        except emails.BadHeader:
            continue
        offices.append((name or address, address))
    return list(dict.fromkeys(offices))


def distribute(session: DbSession, endorsement_id: int, actor_id: int | None, only: Iterable[int] | None = None) -> int:
    """Queue the issued letter for every active officer not yet sent it, or those of them among the officer ids
    `only` (the ones iGOT's report shows astray), and, the first time, for the copy-to offices that have an
    email address; returns how many officers were added."""
    endorsement = _sendable(session, endorsement_id)
    chosen = _not_yet_sent(endorsement.id)
    if only is not None:
        officer_ids = [i for chunk in _chunks(only) for i in session.scalars(chosen.where(Officer.id.in_(chunk)))]
        officer_ids.sort()
        if not officer_ids:
            raise Conflict("Every one of these officers has already been sent this letter (or is inactive).")
    else:
        officer_ids = list(session.scalars(chosen.order_by(Officer.id)))
    if not officer_ids:
        if session.scalar(sa.select(Recipient.id).where(Recipient.endorsement_id == endorsement.id).limit(1)):
            raise Conflict("Every active officer has already been sent this letter.")
        raise Invalid("There are no active officers on the roster; import the roster first.")
    first_time = not session.scalar(sa.select(Delivery.id).where(Delivery.endorsement_id == endorsement.id).limit(1))
    for chunk in _chunks(officer_ids):
        officers = session.execute(
            sa.select(Officer.id, Officer.name, Officer.sparrow_email).where(Officer.id.in_(chunk)).order_by(Officer.id)
        ).all()
        recipients = []
        for officer in officers:
            nonce, token_hash = new_token()
            recipients.append(
                {
                    "endorsement_id": endorsement.id,
                    "officer_id": officer.id,
                    "name": officer.name,
                    "email": officer.sparrow_email,
                    "token_nonce": nonce,
                    "token_hash": token_hash,
                }
            )
        made = session.scalars(
            sa.insert(Recipient).returning(Recipient.id, sort_by_parameter_order=True), recipients
        ).all()
        letters = [
            _row(endorsement.id, DeliveryKind.LETTER, 0, officer.name, officer.sparrow_email, recipient_id=rid)
            for rid, officer in zip(made, officers, strict=True)
        ]
        _write(session, letters)
    if first_time:
        _write(session, [_row(endorsement.id, DeliveryKind.COPY, 0, n, e) for n, e in copy_offices(endorsement)])
    jobs.run_after_commit(session, outbox.send_due)
    audit.record(
        session, "endorsement.distributed", "endorsement", endorsement.id, actor_id, recipients=len(officer_ids)
    )
    return len(officer_ids)


def _pending(endorsement_id: int, recipient_ids: list[int] | None = None) -> sa.Select[tuple[int, str, str]]:
    """Recipients yet to answer whose officers are still on the roster: (recipient id, name, email)."""
    query = (
        sa.select(Recipient.id, Officer.name, Recipient.email)
        .join(Officer, Officer.id == Recipient.officer_id)
        .where(
            Recipient.endorsement_id == endorsement_id,
            Recipient.state == PENDING,
            Officer.active.is_(True),
        )
        .order_by(Recipient.id)
    )
    if recipient_ids is not None:
        query = query.where(Recipient.id.in_(recipient_ids))
    return query


def send_reminders(
    session: DbSession,
    endorsement_id: int,
    actor_id: int | None,
    recipient_ids: list[int] | None = None,
    scheduled: bool = False,
) -> int:
    """Queue a reminder, with the same link, to every pending recipient (or those of `recipient_ids`
    still pending); returns how many. A round by hand is refused within REMINDER_GAP of the last
    (a double click, or two clerks at once); a scheduled round takes the same claim, so two runs of
    the schedule at once send one round."""
    endorsement = _sendable(session, endorsement_id)
    if session.scalar(sa.select(sa.func.count()).select_from(_pending(endorsement.id, recipient_ids).subquery())) == 0:
        return 0
    on_their_way = sa.select(Delivery.id).where(
        Delivery.endorsement_id == endorsement.id, Delivery.kind == DeliveryKind.LETTER.value, outbox.in_flight()
    )
    if session.scalar(on_their_way.limit(1)) is not None:
        raise Conflict("Some emails of this letter are still being sent; send reminders once they have gone out.")
    now = utcnow()
    gap = timedelta(days=endorsement.remind_every_days or 1) - timedelta(minutes=5) if scheduled else REMINDER_GAP
    claimed = session.execute(
        sa.update(Endorsement)
        .where(
            Endorsement.id == endorsement.id,
            Endorsement.reminder_rounds == endorsement.reminder_rounds,
            sa.or_(Endorsement.last_reminded_at.is_(None), Endorsement.last_reminded_at < now - gap),
        )
        .values(last_reminded_at=now, reminder_rounds=Endorsement.reminder_rounds + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        minutes = int(REMINDER_GAP.total_seconds() // 60)
        raise Conflict(f"Reminders went out less than {minutes} minutes ago; give officers time to answer.")
    round_ = endorsement.reminder_rounds + 1
    count = 0
    pending_ids = session.scalars(_pending(endorsement.id, recipient_ids).with_only_columns(Recipient.id)).all()
    for chunk in _chunks(pending_ids):
        rows = session.execute(_pending(endorsement.id, chunk)).all()
        _write(session, [_row(endorsement.id, DeliveryKind.REMINDER, round_, n, e, recipient_id=r) for r, n, e in rows])
        count += len(rows)
    session.refresh(endorsement)
    jobs.run_after_commit(session, outbox.send_due)
    what = "endorsement.reminders_scheduled" if scheduled else "endorsement.reminded"
    audit.record(session, what, "endorsement", endorsement.id, actor_id, recipients=count, round=round_)
    return count


def latest_in(endorsement_id: int, status: DeliveryStatus) -> sa.Select[tuple[int, int | None]]:
    """The emails in `status` that are their recipient's latest on this endorsement: (id, recipient_id).

    Found from the few rows in that status (an index on endorsement and status), each checked for a
    later email to the same recipient, rather than by finding every recipient's latest first.
    """
    later = aliased(Delivery)
    return sa.select(Delivery.id, Delivery.recipient_id).where(
        Delivery.endorsement_id == endorsement_id,
        Delivery.status == status.value,
        Delivery.recipient_id.is_not(None),
        ~sa.exists().where(later.recipient_id == Delivery.recipient_id, later.id > Delivery.id),
    )


def failed_deliveries(endorsement_id: int) -> sa.Subquery:
    """The emails to try again: each recipient's latest, where it failed, and failed copies."""
    officers = latest_in(endorsement_id, DeliveryStatus.FAILED).with_only_columns(Delivery.id)
    copies = sa.select(Delivery.id).where(
        Delivery.endorsement_id == endorsement_id,
        Delivery.kind == DeliveryKind.COPY.value,
        Delivery.status == DeliveryStatus.FAILED.value,
    )
    return sa.union_all(officers, copies).subquery()


def retry_failed(
    session: DbSession, endorsement_id: int, actor_id: int | None, recipient_ids: list[int] | None = None
) -> int:
    """Queue again each recipient's latest email where it failed (an earlier failure since superseded by
    a reminder that went through is left alone), and each failed copy; or only those of `recipient_ids`."""
    endorsement = _sendable(session, endorsement_id)
    failed = failed_deliveries(endorsement.id)
    chosen = sa.select(failed.c.id)
    if recipient_ids is not None:
        chosen = chosen.where(failed.c.id.in_(sa.select(Delivery.id).where(Delivery.recipient_id.in_(recipient_ids))))
    ids = list(session.scalars(chosen))
    if not ids:
        return 0
    for chunk in _chunks(ids):
        session.execute(
            sa.update(Delivery)
            .where(Delivery.id.in_(chunk))
            .values(status=DeliveryStatus.QUEUED.value, next_attempt_at=None, attempts=0)
            .execution_options(synchronize_session=False)
        )
    jobs.run_after_commit(session, outbox.send_due)
    if recipient_ids is None:
        audit.record(session, "endorsement.retried", "endorsement", endorsement.id, actor_id, deliveries=len(ids))
    else:  # on each officer's own record, so that the log names whose email went again
        resent = session.scalars(sa.select(Delivery.recipient_id).where(Delivery.id.in_(ids)).distinct())
        for recipient_id in resent:
            audit.record(session, "recipient.resent", "recipient", recipient_id, actor_id, endorsement=endorsement.id)
    return len(ids)


def set_sending(session: DbSession, endorsement_id: int, state: SendingState, actor_id: int | None) -> Endorsement:
    """Pause, resume or cancel a distribution. Paused, nothing is sent until resumed (a batch already
    on the wire finishes); cancelled, the emails not yet sent never are."""
    endorsement = _issued(session, endorsement_id)
    if endorsement.sending == SendingState.CANCELLED:
        raise Conflict("This distribution was cancelled and cannot be changed.")
    if endorsement.sending == state:
        return endorsement
    endorsement.sending = state.value
    if state == SendingState.CANCELLED:
        session.execute(
            sa.update(Delivery)
            .where(Delivery.endorsement_id == endorsement.id, Delivery.status == DeliveryStatus.QUEUED.value)
            .values(status=DeliveryStatus.CANCELLED.value, next_attempt_at=None, last_error="Cancelled by staff.")
            .execution_options(synchronize_session=False)
        )
    if state == SendingState.ACTIVE:
        jobs.run_after_commit(session, outbox.send_due)
    audit.record(session, f"endorsement.sending_{state.value}", "endorsement", endorsement.id, actor_id)
    return endorsement


def schedule_reminders(
    session: DbSession, endorsement_id: int, every_days: int | None, at_most: int | None, actor_id: int | None
) -> Endorsement:
    """Remind pending officers every `every_days` days until the deadline, at most `at_most` rounds
    (None for either: no schedule)."""
    endorsement = get_endorsement(session, endorsement_id)
    for value, label in ((every_days, "Remind every"), (at_most, "At most")):
        if value is not None and not 1 <= value <= 365:
            raise Invalid(f"{label} must be a whole number from 1 to 365.")
    endorsement.remind_every_days = every_days
    endorsement.remind_at_most = at_most if every_days else None
    audit.record(
        session,
        "endorsement.reminder_schedule",
        "endorsement",
        endorsement.id,
        actor_id,
        every_days=every_days,
        at_most=at_most,
    )
    return endorsement


def due_for_reminders(session: DbSession, today: date) -> list[int]:
    """Endorsements whose scheduled reminders are due: issued, sending, before their deadline, with
    rounds left, and the last round (or the letter) at least `remind_every_days` old."""
    candidates = session.scalars(
        sa.select(Endorsement).where(
            Endorsement.remind_every_days.is_not(None),
            Endorsement.issued_at.is_not(None),
            Endorsement.sending == SendingState.ACTIVE.value,
            sa.or_(Endorsement.deadline.is_(None), Endorsement.deadline >= today),
            sa.or_(Endorsement.remind_at_most.is_(None), Endorsement.reminder_rounds < Endorsement.remind_at_most),
        )
    ).all()
    now = utcnow()
    due = []
    for endorsement in candidates:
        assert endorsement.remind_every_days is not None
        since = endorsement.last_reminded_at or session.scalar(
            sa.select(sa.func.min(Delivery.created_at)).where(Delivery.endorsement_id == endorsement.id)
        )
        if since is not None and since <= now - timedelta(days=endorsement.remind_every_days) + timedelta(minutes=5):
            due.append(endorsement.id)
    return due


@jobs.job(every="REMINDERS_EVERY_SECONDS")
def run_due_reminders() -> dict[int, int]:
    """Send every scheduled round of reminders that is due; {endorsement id: officers reminded}.
    Safe to run twice at once: each round is claimed before it is written."""
    session = db.session
    sent = {}
    for endorsement_id in due_for_reminders(session, days.today()):
        try:
            sent[endorsement_id] = send_reminders(session, endorsement_id, None, scheduled=True)
            session.commit()
        except Conflict:
            session.rollback()
    return sent
