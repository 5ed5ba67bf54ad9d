"""Following an endorsement up: counts by state, the recipients list, and its filters."""

from collections import Counter
from datetime import date, timedelta, tzinfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from models import Acknowledgement, DbSession, Delivery, DeliveryStatus, Officer, Recipient, RecipientState
from services.dispatch import failed_deliveries, latest_deliveries
from services.errors import Invalid

# What the recipients list can be filtered by: a state, or "acknowledged" for every answer.
ANSWERED = "acknowledged"
FILTERS = [RecipientState.PENDING.value, ANSWERED, *(s.value for s in RecipientState if s != RecipientState.PENDING)]


def counts(session: DbSession, endorsement_id: int) -> dict[str, int]:
    """How many recipients, how far sending has got, and how many have answered which way.

    Sending is counted by recipient: `sent` is everyone reached at least once (so it never drops
    while reminders go out), `queued` everyone with an email on its way, `failed` everyone whose
    latest email failed (what "Retry failed" sends again).
    """
    by_state: dict[str, int] = dict(
        session.execute(
            sa.select(Recipient.state, sa.func.count())
            .where(Recipient.endorsement_id == endorsement_id)
            .group_by(Recipient.state)
        )
        .tuples()
        .all()
    )

    def any_with(*statuses: DeliveryStatus) -> sa.ColumnElement[int]:
        return sa.func.max(sa.case((Delivery.status.in_([s.value for s in statuses]), 1), else_=0))

    per_recipient = (
        sa.select(
            any_with(DeliveryStatus.SENT).label("reached"),
            any_with(DeliveryStatus.QUEUED, DeliveryStatus.SENDING).label("busy"),
        )
        .select_from(Recipient)
        .join(Delivery, Delivery.recipient_id == Recipient.id)
        .where(Recipient.endorsement_id == endorsement_id)
        .group_by(Recipient.id)
        .subquery()
    )
    sent, queued = session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(per_recipient.c.reached), 0),
            sa.func.coalesce(sa.func.sum(per_recipient.c.busy), 0),
        )
    ).one()
    failed = session.scalar(sa.select(sa.func.count()).select_from(failed_deliveries(endorsement_id).subquery())) or 0
    aligned = by_state.get(RecipientState.ALIGNED.value, 0)
    mismatch = by_state.get(RecipientState.MISMATCH.value, 0)
    noted = by_state.get(RecipientState.NOTED.value, 0)
    return {
        "recipients": sum(by_state.values()),
        "queued": int(queued),
        "sent": int(sent),
        "failed": failed,
        "acknowledged": aligned + mismatch + noted,
        "aligned": aligned,
        "mismatch": mismatch,
        "pending": by_state.get(RecipientState.PENDING.value, 0),
    }


def recipients(
    session: DbSession, endorsement_id: int, state: str | None = None, page: int = 1, per_page: int = 100
) -> tuple[list[tuple[Recipient, Delivery | None]], int]:
    """One page of recipients with their latest email, filtered by state, and the total."""
    if state and state not in FILTERS:
        raise Invalid(f"State must be one of {', '.join(FILTERS)}.", "state")
    latest = latest_deliveries(endorsement_id)
    query = (
        sa.select(Recipient, Delivery)
        .join(Officer, Officer.id == Recipient.officer_id)
        .outerjoin(latest, latest.c.recipient_id == Recipient.id)
        .outerjoin(Delivery, Delivery.id == latest.c.delivery_id)
        .where(Recipient.endorsement_id == endorsement_id)
        .options(joinedload(Recipient.officer))
    )
    if state == ANSWERED:
        query = query.where(Recipient.state != RecipientState.PENDING.value)
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
