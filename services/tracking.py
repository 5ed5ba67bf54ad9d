"""Following an endorsement up: counts by state, the recipients list, and its filters."""

from collections import Counter
from datetime import date, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from models import (
    PENDING,
    Acknowledgement,
    DbSession,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Endorsement,
    Officer,
    Recipient,
    utcnow,
)
from services import kinds
from services.dispatch import failed_deliveries, latest_deliveries
from services.errors import Invalid
from services.kinds import Kind

# What the recipients list can be filtered by, besides the states of the letter's kind: every answer,
# answers staff recorded by hand, or how the latest email fared.
ANSWERED = "acknowledged"
BY_HAND = "by_hand"
BY_EMAIL = [DeliveryStatus.FAILED.value, DeliveryStatus.BOUNCED.value]


def filters(kind: Kind) -> list[str]:
    """What the recipients of a letter of this kind can be filtered by."""
    return [PENDING, ANSWERED, *(s.name for s in kind.states), BY_HAND, *BY_EMAIL]


def _tally(
    session: DbSession, column: sa.orm.InstrumentedAttribute[str], *where: sa.ColumnElement[bool]
) -> dict[str, int]:
    """How many rows have each value of `column`, among those `where` picks: one grouped query."""
    query = sa.select(column, sa.func.count()).where(*where).group_by(column)
    return dict(session.execute(query).tuples().all())


def counts(session: DbSession, endorsement_id: int) -> dict[str, int]:
    """How many recipients, how far sending has got, and how many have answered which way.

    Sending is counted by recipient: `sent` is everyone reached at least once (so it never drops
    while reminders go out), `queued` everyone with an email on its way, `failed` everyone whose
    latest email failed (what "Retry failed" sends again), `bounced` everyone whose mail came back.
    Copies to offices are counted apart.
    """
    kind = kinds.kind_of(session.scalars(sa.select(Endorsement.ack_kind).where(Endorsement.id == endorsement_id)).one())
    # One grouped pass over the letter's recipients: by state and flag, with those recorded by hand and resolved.
    by_state: Counter[str] = Counter()
    by_flag: Counter[str | None] = Counter()
    by_hand = resolved = 0
    for state, flag, n, hand, fixed in session.execute(
        sa.select(
            Recipient.state,
            Recipient.flag,
            sa.func.count(),
            sa.func.count(Recipient.recorded_by_id),
            sa.func.count(Recipient.resolution),
        )
        .where(Recipient.endorsement_id == endorsement_id)
        .group_by(Recipient.state, Recipient.flag)
    ):
        by_state[state] += n
        by_flag[flag] += n
        by_hand += hand
        resolved += fixed

    def any_with(*statuses: DeliveryStatus) -> sa.ColumnElement[int]:
        return sa.func.max(sa.case((Delivery.status.in_([s.value for s in statuses]), 1), else_=0))

    per_recipient = (
        sa.select(
            any_with(DeliveryStatus.SENT, DeliveryStatus.BOUNCED).label("reached"),
            any_with(DeliveryStatus.QUEUED, DeliveryStatus.SENDING).label("busy"),
            any_with(DeliveryStatus.BOUNCED).label("bounced"),
        )
        .where(Delivery.endorsement_id == endorsement_id, Delivery.recipient_id.is_not(None))
        .group_by(Delivery.recipient_id)
        .subquery()
    )
    sent, queued, bounced = session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(per_recipient.c.reached), 0),
            sa.func.coalesce(sa.func.sum(per_recipient.c.busy), 0),
            sa.func.coalesce(sa.func.sum(per_recipient.c.bounced), 0),
        )
    ).one()
    failed_rows = failed_deliveries(endorsement_id)
    failed = session.scalar(sa.select(sa.func.count()).select_from(failed_rows)) or 0
    copies = _tally(
        session, Delivery.status, Delivery.endorsement_id == endorsement_id, Delivery.kind == DeliveryKind.COPY.value
    )
    copies_failed = copies.get(DeliveryStatus.FAILED.value, 0)
    recipients = sum(by_state.values())
    pending = by_state.get(PENDING, 0)
    return {
        "recipients": recipients,
        "queued": int(queued),
        "sent": int(sent),
        "failed": failed - copies_failed,
        "bounced": int(bounced),
        "acknowledged": recipients - pending,
        "pending": pending,
        # The kind's own states and flags ("aligned", "mismatch", "alias" for email alignment).
        **{state.name: by_state.get(state.name, 0) for state in kind.states},
        **{flag: by_flag.get(flag, 0) for flag in kind.flags},
        "compliant": sum(by_state.get(state, 0) for state in kind.compliant),
        "by_hand": by_hand,
        "resolved": resolved,
        "copies": sum(copies.values()),
        "copies_sent": copies.get(DeliveryStatus.SENT.value, 0),
        "copies_failed": copies_failed,
    }


def sending_progress(session: DbSession, endorsement_id: int) -> dict[str, Any]:
    """The outbox for one letter, email by email (letters, reminders and copies): how many in each
    status, the rate over the last minute, and an estimate of the time left at that rate."""
    by_status = _tally(session, Delivery.status, Delivery.endorsement_id == endorsement_id)
    last_minute = session.scalar(
        sa.select(sa.func.count()).where(
            Delivery.endorsement_id == endorsement_id, Delivery.sent_at >= utcnow() - timedelta(minutes=1)
        )
    )
    left = by_status.get(DeliveryStatus.QUEUED.value, 0) + by_status.get(DeliveryStatus.SENDING.value, 0)
    rate = int(last_minute or 0)
    return {
        **{status.value: by_status.get(status.value, 0) for status in DeliveryStatus},
        "emails": sum(by_status.values()),
        "per_minute": rate,
        "eta_seconds": round(left / rate * 60) if rate and left else None,
    }


def outbox_totals(session: DbSession) -> dict[str, int]:
    """Every email in the outbox by status."""
    by_status = _tally(session, Delivery.status)
    return {status.value: by_status.get(status.value, 0) for status in DeliveryStatus}


def outbox_status(session: DbSession) -> list[dict[str, Any]]:
    """Every letter with emails still on their way or failed, with its progress: what `outbox status` prints."""
    busy = sa.select(Delivery.endorsement_id).where(
        Delivery.status.in_([DeliveryStatus.QUEUED.value, DeliveryStatus.SENDING.value, DeliveryStatus.FAILED.value])
    )
    endorsements = session.execute(
        sa.select(Endorsement.id, Endorsement.file_no, Endorsement.sending)
        .where(Endorsement.id.in_(busy))
        .order_by(Endorsement.id)
    ).all()
    return [
        {"endorsement_id": e.id, "file_no": e.file_no, "state": e.sending, **sending_progress(session, e.id)}
        for e in endorsements
    ]


def recipients(
    session: DbSession,
    endorsement_id: int,
    state: str | None = None,
    page: int = 1,
    per_page: int = 100,
    search: str = "",
) -> tuple[list[tuple[Recipient, Delivery | None]], int]:
    """One page of recipients with their latest email, filtered by state and by a part of their name or email,
    and the total."""
    kind = kinds.kind_of(session.scalars(sa.select(Endorsement.ack_kind).where(Endorsement.id == endorsement_id)).one())
    if state and state not in filters(kind):
        raise Invalid(f"State must be one of {', '.join(filters(kind))}.", "state")
    latest = latest_deliveries(endorsement_id)
    query = (
        sa.select(Recipient, Delivery)
        .join(Officer, Officer.id == Recipient.officer_id)
        .outerjoin(latest, latest.c.recipient_id == Recipient.id)
        .outerjoin(Delivery, Delivery.id == latest.c.delivery_id)
        .where(Recipient.endorsement_id == endorsement_id)
        .options(joinedload(Recipient.officer))
    )
    if search.strip():
        like = f"%{search.strip().lower()[:100]}%"
        query = query.where(sa.or_(sa.func.lower(Officer.name).like(like), sa.func.lower(Recipient.email).like(like)))
    if state == ANSWERED:
        query = query.where(Recipient.state != PENDING)
    elif state == BY_HAND:
        query = query.where(Recipient.recorded_by_id.is_not(None))
    elif state in BY_EMAIL:
        query = query.where(Delivery.status == state)
    elif state:
        query = query.where(Recipient.state == state)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(Officer.name, Recipient.id).limit(per_page).offset((page - 1) * per_page))
    return [(r, d) for r, d in rows.all()], total


def answers_by_day(
    session: DbSession, endorsement_id: int, tz: tzinfo, until: date, most_days: int = 90
) -> list[tuple[date, int, int]]:
    """Every day from the first email to `until`: (day, officers who first answered that day,
    officers answered by the end of it). Days are the office's (`tz`); at most the last `most_days`.
    """
    started = session.scalar(
        sa.select(sa.func.min(Delivery.created_at))
        .join(Recipient, Recipient.id == Delivery.recipient_id)
        .where(Recipient.endorsement_id == endorsement_id)
    )
    if started is None:
        return []
    first_answers = (
        sa.select(sa.func.min(Acknowledgement.at))
        .join(Recipient, Recipient.id == Acknowledgement.recipient_id)
        .where(Recipient.endorsement_id == endorsement_id)
        .group_by(Acknowledgement.recipient_id)
    )
    per_day = Counter(at.astimezone(tz).date() for at in session.scalars(first_answers))
    day = min([started.astimezone(tz).date(), *per_day])
    until = max([until, *per_day])
    running, out = 0, []
    while day <= until:
        running += per_day[day]
        out.append((day, per_day[day], running))
        day += timedelta(days=1)
    return out[-most_days:]
