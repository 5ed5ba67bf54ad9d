"""Reading the audit trail: one page of events as an admin's filters find them, and what there is to filter by."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Final, Literal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from models import AuditEvent, DbSession, Recipient, User
from services import fields
from services.errors import Invalid

# `who` for the events no staff member did: officers answering (they have no account), and the system.
NO_ACCOUNT: Final = "officers"
MAX_PER_PAGE = 200
# An action ("recipient.acknowledged"), or the start of several, up to a dot ("recipient.").
_ACTION = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.?")


@dataclass(frozen=True)
class AuditFilters:
    """What the audit log is narrowed to, and which page of it. `who` is a staff member's id or NO_ACCOUNT;
    `what` an action or a start of actions ending in "."; `since` and `until` are the office's days, both kept.
    """

    who: int | Literal["officers"] | None = None
    what: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1
    per_page: int = 50

    def __post_init__(self) -> None:
        if isinstance(self.who, int) and self.who < 1:
            raise Invalid("Who must be a staff member from the list, or officers and the system.", "who")
        if self.what and (len(self.what) > 64 or not _ACTION.fullmatch(self.what)):
            raise Invalid("What must be an action from the list, such as recipient.acknowledged.", "what")
        if self.since and self.until and self.since > self.until:
            raise Invalid("From must not be after To.", "to")
        if self.page < 1 or not 1 <= self.per_page <= MAX_PER_PAGE:
            raise Invalid(f"Pages start at 1 and hold 1 to {MAX_PER_PAGE} events.", "page")


def filters_from(given: Mapping[str, str], page: int = 1, per_page: int = 50) -> AuditFilters:
    """The filters as a form or a query string writes them: who (an id, "officers" or "system"), what, from, to."""
    who_text = (given.get("who") or "").strip()
    who: int | Literal["officers"] | None = None
    if who_text in ("officers", "system"):
        who = NO_ACCOUNT
    elif who_text:
        who = fields.positive_int(who_text)
        if who is None:
            raise Invalid("Who must be a staff member from the list, or officers and the system.", "who")
    return AuditFilters(
        who=who,
        what=(given.get("what") or "").strip(),
        since=fields.a_date(given, "from", "From", required=False),
        until=fields.a_date(given, "to", "To", required=False),
        page=page,
        per_page=per_page,
    )


def events(session: DbSession, filters: AuditFilters, tz: tzinfo) -> tuple[list[AuditEvent], int]:
    """One page of the events the filters find, newest first, each with its actor; and how many there are in all.
    Days are the office's (`tz`)."""
    query = sa.select(AuditEvent)
    if filters.who == NO_ACCOUNT:
        query = query.where(AuditEvent.actor_id.is_(None))
    elif filters.who is not None:
        if session.get(User, filters.who) is None:
            raise Invalid("No staff member has that id; choose one from the list.", "who")
        query = query.where(AuditEvent.actor_id == filters.who)
    if filters.what.endswith("."):
        query = query.where(AuditEvent.action.startswith(filters.what, autoescape=True))
    elif filters.what:
        query = query.where(AuditEvent.action == filters.what)
    if filters.since:
        query = query.where(AuditEvent.at >= _start_of(filters.since, tz))
    if filters.until:
        query = query.where(AuditEvent.at < _start_of(filters.until + timedelta(days=1), tz))
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = (
        query.options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(filters.per_page)
        .offset((filters.page - 1) * filters.per_page)
    )
    return list(session.scalars(page)), total


def recipients_in(session: DbSession, events: list[AuditEvent]) -> dict[int, Recipient]:
    """The recipients these events are about, by id, in one query: the log names the officer who answered, and
    whose answer staff recorded or resolved, rather than a bare recipient number."""
    ids = {e.entity_id for e in events if e.entity == "recipient" and e.entity_id is not None}
    return {r.id: r for r in session.scalars(sa.select(Recipient).where(Recipient.id.in_(ids)))} if ids else {}


def _start_of(day: date, tz: tzinfo) -> datetime:
    """The moment the office's `day` begins, in UTC (as events are stored)."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class AuditChoices:
    """What the filters offer: the staff who appear in the log, its actions, and their kinds ("recipient.")."""

    staff: list[User]
    actions: list[str]
    kinds: list[str]


def choices(session: DbSession) -> AuditChoices:
    """The staff, actions and kinds of action present in the log, for the filters' lists."""
    actors = sa.select(AuditEvent.actor_id).where(AuditEvent.actor_id.is_not(None)).distinct()
    staff = session.scalars(sa.select(User).where(User.id.in_(actors)).order_by(User.name, User.id))
    actions = list(session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
    kinds = sorted({action.split(".")[0] + "." for action in actions if "." in action})
    return AuditChoices(list(staff), actions, kinds)


# Details that hold changes: {field: {"from": before, "to": after}} or {field: [before, after]}.
_CHANGES = {"changes", "changed"}


def readable(details: Mapping[str, Any]) -> list[tuple[str, str]]:
    """An event's details as (key, value) lines for people: a change as "before → after", lists joined,
    what is nested named by its path ("changed › subject")."""
    lines: list[tuple[str, str]] = []
    for key, value in details.items():
        name = str(key).replace("_", " ")
        if key in _CHANGES and isinstance(value, dict):
            lines.extend((f"{name} › {field}", _change(change)) for field, change in value.items())
        elif isinstance(value, dict):
            lines.extend((f"{name} › {inner}", text) for inner, text in readable(value))
        else:
            lines.append((name, _plain(value)))
    return lines


def _change(change: Any) -> str:
    if isinstance(change, dict) and set(change) == {"from", "to"}:
        return f"{_plain(change['from'])} → {_plain(change['to'])}"
    if isinstance(change, list) and len(change) == 2:
        return f"{_plain(change[0])} → {_plain(change[1])}"
    return _plain(change)


def _plain(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value)
    return str(value)
