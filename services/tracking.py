"""Following an endorsement up: counts by state, the recipients list, and its filters.

Every figure is read from the rows it is about, through indexes, so that a letter to 100,000 officers
shows its page about as fast as one to 1,000: the recipients' states in one grouped query, the emails
from the few not sent (or bounced), one page of the list and the latest email of those on it only, and
the answers chart counted in the database.
"""

from collections import Counter
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.sql.compiler import SQLCompiler

from models import (
    PENDING,
    DbSession,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Endorsement,
    Recipient,
    utcnow,
)
from services import kinds
from services.dispatch import latest_in
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


# An officer is reached by an email sent (a bounce came back from a mail server it reached).
REACHED = [DeliveryStatus.SENT.value, DeliveryStatus.BOUNCED.value]
NOT_REACHED = [s.value for s in DeliveryStatus if s.value not in REACHED]
# The answers chart counts in the database by quarter hours, which every time zone's days are made of.
QUARTER_HOUR = 15 * 60


class EpochSeconds(sa.sql.functions.FunctionElement[int]):
    """A stored (UTC) time as whole seconds since 1970, in SQL: PostgreSQL's and SQLite's ways."""

    type = sa.BigInteger()
    inherit_cache = True


@compiles(EpochSeconds)
def _epoch_seconds(element: EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


@compiles(EpochSeconds, "sqlite")
def _epoch_seconds_sqlite(element: EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC. Its date functions round the fraction to milliseconds, so a
    # time in the last half-millisecond of a day would count on the next: the fraction goes first. unixepoch takes
    # two thirds of strftime('%s')'s time over a letter's 100,000 answers.
    return f"unixepoch(substr({compiler.process(element.clauses, **kw)}, 1, 19))"


def _kind_of_letter(session: DbSession, endorsement_id: int) -> Kind:
    return kinds.kind_of(session.scalars(sa.select(Endorsement.ack_kind).where(Endorsement.id == endorsement_id)).one())


def _tally(
    session: DbSession, column: sa.orm.InstrumentedAttribute[str], *where: sa.ColumnElement[bool]
) -> dict[str, int]:
    """How many rows have each value of `column`, among those `where` picks: one grouped query."""
    query = sa.select(column, sa.func.count()).where(*where).group_by(column)
    return dict(session.execute(query).tuples().all())


def _recipients_with(
    session: DbSession, endorsement_id: int, statuses: list[str], *where: sa.ColumnElement[bool]
) -> int:
    """How many recipients have an email in one of `statuses` (and `where`): read from those rows alone."""
    query = sa.select(sa.func.count(sa.distinct(Delivery.recipient_id))).where(
        Delivery.endorsement_id == endorsement_id,
        Delivery.status.in_(statuses),
        Delivery.recipient_id.is_not(None),
        *where,
    )
    return session.scalar(query) or 0


def counts(session: DbSession, endorsement_id: int) -> dict[str, int]:
    """How many recipients, how far sending has got, and how many have answered which way.

    Sending is counted by recipient: `sent` is everyone reached at least once (so it never drops
    while reminders go out), `queued` everyone with an email on its way, `failed` everyone whose
    latest email failed (what "Retry failed" sends again), `bounced` everyone whose mail came back.
    Copies to offices are counted apart.

    Every recipient is given their letter's email when added (services.dispatch), so those never
    reached are found among the few with an email not sent, and `sent` is everyone else.
    """
    kind = _kind_of_letter(session, endorsement_id)
    # Counted first: each statement reads the database as it is then (PostgreSQL's read committed), so
    # once this says nothing is on its way, the counts below see every outcome, and a poller that stops
    # at queued == 0 never stops on a batch that was being written.
    busy = [DeliveryStatus.QUEUED.value, DeliveryStatus.SENDING.value]
    queued = _recipients_with(session, endorsement_id, busy)
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

    recipients = sum(by_state.values())
    other = aliased(Delivery)
    reached = sa.exists().where(other.recipient_id == Delivery.recipient_id, other.status.in_(REACHED))
    never_reached = _recipients_with(session, endorsement_id, NOT_REACHED, ~reached)
    failed = session.scalar(
        sa.select(sa.func.count()).select_from(latest_in(endorsement_id, DeliveryStatus.FAILED).subquery())
    )
    # Copies have no recipient: saying so lets the index find them without reading the officers' emails.
    copies = _tally(
        session,
        Delivery.status,
        Delivery.endorsement_id == endorsement_id,
        Delivery.recipient_id.is_(None),
        Delivery.kind == DeliveryKind.COPY.value,
    )
    pending = by_state.get(PENDING, 0)
    return {
        "recipients": recipients,
        "queued": queued,
        "sent": recipients - never_reached,
        "failed": failed or 0,
        "bounced": _recipients_with(session, endorsement_id, [DeliveryStatus.BOUNCED.value]),
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
        "copies_failed": copies.get(DeliveryStatus.FAILED.value, 0),
    }


def sending_progress(session: DbSession, endorsement_id: int) -> dict[str, Any]:
    """The outbox for one letter, email by email (letters, reminders and copies): how many in each
    status, the rate over the last minute, and an estimate of the time left at that rate."""
    by_status = _tally(session, Delivery.status, Delivery.endorsement_id == endorsement_id)
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
    kind = _kind_of_letter(session, endorsement_id)
    if state and state not in filters(kind):
        raise Invalid(f"State must be one of {', '.join(filters(kind))}.", "state")
    where = [Recipient.endorsement_id == endorsement_id]
    if search.strip():
        like = f"%{search.strip().lower()[:100]}%"
        where.append(sa.or_(sa.func.lower(Recipient.name).like(like), sa.func.lower(Recipient.email).like(like)))
    if state == ANSWERED:
        where.append(Recipient.state != PENDING)
    elif state == BY_HAND:
        where.append(Recipient.recorded_by_id.is_not(None))
    elif state in BY_EMAIL:
        latest = latest_in(endorsement_id, DeliveryStatus(state)).with_only_columns(Delivery.recipient_id)
        where.append(Recipient.id.in_(latest))
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

    The database counts the recipients' first answers (kept on each) by quarter hour from an index; only those
    counts are put on the office's days here.
    """
    started = session.scalar(
        sa.select(sa.func.min(Delivery.created_at)).where(
            Delivery.endorsement_id == endorsement_id, Delivery.recipient_id.is_not(None)
        )
    )
    if started is None:
        return []
    quarter = EpochSeconds(Recipient.first_answered_at) // QUARTER_HOUR
    per_day: Counter[date] = Counter()
    by_quarter = (
        sa.select(quarter, sa.func.count())
        .where(Recipient.endorsement_id == endorsement_id, Recipient.first_answered_at.is_not(None))
        .group_by(quarter)
    )
    for number, officers in session.execute(by_quarter).tuples():
        per_day[datetime.fromtimestamp(number * QUARTER_HOUR, UTC).astimezone(tz).date()] += officers
    day = min([started.astimezone(tz).date(), *per_day])
    until = max([until, *per_day])
    running, out = 0, []
    while day <= until:
        running += per_day[day]
        out.append((day, per_day[day], running))
        day += timedelta(days=1)
    return out[-most_days:]
