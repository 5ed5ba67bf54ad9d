"""Following an endorsement up: counts by state, the recipients list, and its filters.

Every count is read from the letter's running counts, which the database keeps as recipients and emails change
(models.tally), so that a letter to 100,000 officers shows its page about as fast as one to 1,000: a few
hundred rows summed rather than every recipient and email counted, then one page of the list and the latest
email of those on it only.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from models import (
    PENDING,
    DbSession,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Endorsement,
    Recipient,
    Tally,
    utcnow,
)
from models.tally import QUARTER_HOUR, REACHED, YES
from services import kinds
from services.errors import Invalid
from services.kinds import Kind

# What the recipients list can be filtered by, besides the states and flags of the letter's kind: every answer,
# answers staff recorded by hand, mismatches staff resolved, or how the latest email fared.
ANSWERED = "acknowledged"
BY_HAND = "by_hand"
RESOLVED = "resolved"
BY_EMAIL = [DeliveryStatus.FAILED.value, DeliveryStatus.BOUNCED.value]


def filters(kind: Kind) -> list[str]:
    """What the recipients of a letter of this kind can be filtered by."""
    return [PENDING, ANSWERED, *(s.name for s in kind.states), *kind.flags, BY_HAND, RESOLVED, *BY_EMAIL]


def _kind_of_letter(session: DbSession, endorsement_id: int) -> Kind:
    return kinds.kind_of(session.scalars(sa.select(Endorsement.ack_kind).where(Endorsement.id == endorsement_id)).one())


def running_counts(
    session: DbSession, endorsement_ids: Iterable[int], *counters: str
) -> dict[int, dict[str, Counter[str]]]:
    """The letters' running counts (models.tally) of `counters`: letter → counter → value → how many."""
    out: dict[int, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for endorsement_id, counter, value, n in session.execute(
        sa.select(Tally.endorsement_id, Tally.counter, Tally.value, sa.func.sum(Tally.n))
        .where(Tally.endorsement_id.in_(list(endorsement_ids)), Tally.counter.in_(counters))
        .group_by(Tally.endorsement_id, Tally.counter, Tally.value)
    ):
        out[endorsement_id][counter][value] = int(n)
    return out


def _emails_by_status(emails: Counter[str], kind: DeliveryKind | None = None) -> Counter[str]:
    """The letter's emails (counted as "kind:status") by status: of one kind, or of every kind."""
    out: Counter[str] = Counter()
    for key, n in emails.items():
        of_kind, status = key.split(":", 1)
        if kind is None or of_kind == kind.value:
            out[status] += n
    return out


def counts(session: DbSession, endorsement_id: int) -> dict[str, int]:
    """How many recipients, how far sending has got, and how many have answered which way.

    Sending is counted by recipient: `sent` is everyone reached at least once (so it never drops
    while reminders go out), `queued` everyone with an email on its way, `failed` everyone whose
    latest email failed (what "Retry failed" sends again), `bounced` everyone whose mail came back.
    Copies to offices are counted apart. Every figure comes from one query, so they agree with each other:
    a poller that stops at queued == 0 sees every outcome.
    """
    kind = _kind_of_letter(session, endorsement_id)
    tally = running_counts(
        session,
        [endorsement_id],
        "state",
        "flag",
        "by_hand",
        "resolved",
        "latest_email",
        "reached",
        "bounced",
        "busy",
        "email",
    )[endorsement_id]
    by_state = tally["state"]
    recipients, pending = sum(by_state.values()), by_state[PENDING]
    copies = _emails_by_status(tally["email"], DeliveryKind.COPY)
    return {
        "recipients": recipients,
        "queued": tally["busy"][YES],
        "sent": tally["reached"][YES],
        "failed": tally["latest_email"][DeliveryStatus.FAILED.value],
        "bounced": tally["bounced"][YES],
        "acknowledged": recipients - pending,
        "pending": pending,
        # The kind's own states and flags ("aligned", "mismatch", "alias" for email alignment).
        **{state.name: by_state[state.name] for state in kind.states},
        **{flag: tally["flag"][flag] for flag in kind.flags},
        "compliant": sum(by_state[state] for state in kind.compliant),
        "by_hand": tally["by_hand"][YES],
        "resolved": tally["resolved"][YES],
        "copies": sum(copies.values()),
        "copies_sent": copies[DeliveryStatus.SENT.value],
        "copies_failed": copies[DeliveryStatus.FAILED.value],
    }


def sending_progress(session: DbSession, endorsement_id: int) -> dict[str, Any]:
    """The outbox for one letter, email by email (letters, reminders and copies): how many in each
    status, the rate over the last minute, and an estimate of the time left at that rate."""
    by_status = _emails_by_status(running_counts(session, [endorsement_id], "email")[endorsement_id]["email"])
    # Only emails sent (or since bounced) have a time sent: naming them lets the index go to the last minute's.
    last_minute = session.scalar(
        sa.select(sa.func.count()).where(
            Delivery.endorsement_id == endorsement_id,
            Delivery.status.in_(REACHED),
            Delivery.sent_at >= utcnow() - timedelta(minutes=1),
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
    by_status = dict(
        session.execute(sa.select(Delivery.status, sa.func.count()).group_by(Delivery.status)).tuples().all()
    )
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
    kind = _kind_of_letter(session, endorsement_id)
    if state and state not in filters(kind):
        raise Invalid(f"State must be one of {', '.join(filters(kind))}.", "state")
    where = [Recipient.endorsement_id == endorsement_id]
    if words := search.strip()[:100]:
        # autoescape: a % or _ typed is looked for as itself, not as a wildcard.
        where.append(
            sa.or_(Recipient.name.icontains(words, autoescape=True), Recipient.email.icontains(words, autoescape=True))
        )
    if state == ANSWERED:
        where.append(Recipient.state != PENDING)
    elif state == BY_HAND:
        where.append(Recipient.recorded_by_id.is_not(None))
    elif state == RESOLVED:
        where.append(Recipient.resolution.is_not(None))
    elif state in kind.flags:
        where.append(Recipient.flag == state)
    elif state in BY_EMAIL:
        where.append(Recipient.latest_email == state)
    elif state:
        where.append(Recipient.state == state)
    total = session.scalar(sa.select(sa.func.count()).select_from(Recipient).where(*where)) or 0
    # The page's rows are found in name order from the letter's own index (the name kept on each recipient),
    # and only they are read whole, each with their officer: a late page skips index entries, not joined rows.
    order = (Recipient.name, Recipient.id)
    on_page = sa.select(Recipient.id).where(*where).order_by(*order).limit(per_page).offset((page - 1) * per_page)
    shown = session.scalars(
        sa.select(Recipient)
        .where(Recipient.id.in_(on_page.scalar_subquery()))
        .options(joinedload(Recipient.officer, innerjoin=True))
        .order_by(*order)
    ).all()
    latest_email = _latest_emails(session, [r.id for r in shown])
    return [(r, latest_email.get(r.id)) for r in shown], total


def _latest_emails(session: DbSession, recipient_ids: list[int]) -> dict[int | None, Delivery]:
    """Each of these recipients' latest email, in one query."""
    newest = sa.select(sa.func.max(Delivery.id)).where(Delivery.recipient_id.in_(recipient_ids))
    found = session.scalars(sa.select(Delivery).where(Delivery.id.in_(newest.group_by(Delivery.recipient_id))))
    return {d.recipient_id: d for d in found}


def answers_by_day(
    session: DbSession, endorsement_id: int, tz: tzinfo, until: date, most_days: int = 90
) -> list[tuple[date, int, int]]:
    """Every day from the first email to `until`: (day, officers who first answered that day,
    officers answered by the end of it). Days are the office's (`tz`); at most the last `most_days`.

    The first answers are counted by quarter hour as they come (models.tally); only those counts are put on the
    office's days here.
    """
    started = session.scalar(
        sa.select(sa.func.min(Delivery.created_at)).where(
            Delivery.endorsement_id == endorsement_id, Delivery.recipient_id.is_not(None)
        )
    )
    if started is None:
        return []
    per_day: Counter[date] = Counter()
    for number, officers in running_counts(session, [endorsement_id], "answered")[endorsement_id]["answered"].items():
        if officers:
            per_day[datetime.fromtimestamp(int(number) * QUARTER_HOUR, UTC).astimezone(tz).date()] += officers
    day = min([started.astimezone(tz).date(), *per_day])
    until = max([until, *per_day])
    running, out = 0, []
    while day <= until:
        running += per_day[day]
        out.append((day, per_day[day], running))
        day += timedelta(days=1)
    return out[-most_days:]
