"""The register of circulars: search, filters and pages of it, and the next diary number of the year."""

import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import Circular, DbSession, Endorsement
from services import fields

# What PostgreSQL's full-text search reads (the migration indexes this same expression); the
# "simple" configuration, since memos mix English and Hindi.
FTS_CONFIG = "simple"
# Its index is made by hand in migration 0004 (PostgreSQL only), so autogenerate must leave it be.
SEARCH_INDEX = "ix_circular_search"


def _searchable() -> sa.ColumnElement[str]:
    """Written with literals rather than parameters, so that PostgreSQL sees the indexed expression."""
    space: sa.ColumnElement[str] = sa.literal_column("' '")
    return Circular.reference_no + space + Circular.subject + space + Circular.text


@dataclass(frozen=True)
class Filters:
    """What the register can be narrowed to: words, the memo's year, its issuing office, endorsed or not."""

    words: str = ""
    year: int | None = None
    issued_by: str = ""
    endorsed: bool | None = None

    @property
    def any(self) -> bool:
        return bool(self.words or self.year or self.issued_by or self.endorsed is not None)


def _matching(session: DbSession, words: str) -> sa.ColumnElement[bool]:
    """Circulars whose number, subject or text hold the words: full-text on PostgreSQL, LIKE elsewhere."""
    if session.get_bind().dialect.name == "postgresql":
        vector = sa.func.to_tsvector(sa.literal_column(f"'{FTS_CONFIG}'"), _searchable())
        plain = sa.func.plainto_tsquery(FTS_CONFIG, words)
        # A reference number is matched as typed too: full-text splits "T-28/27/2025" into pieces.
        return sa.or_(vector.bool_op("@@")(plain), Circular.reference_no.icontains(words, autoescape=True))
    columns = (Circular.reference_no, Circular.subject, Circular.text)
    terms = [t for t in re.split(r"\s+", words) if t][:10]
    return sa.and_(*(sa.or_(*(column.icontains(t, autoescape=True) for column in columns)) for t in terms))


def _endorsed() -> sa.ColumnElement[bool]:
    return sa.exists().where(Endorsement.circular_id == Circular.id, Endorsement.issued_at.is_not(None))


def list_circulars(
    session: DbSession, filters: Filters | None = None, page: int = 1, per_page: int = 50
) -> tuple[list[Circular], int]:
    """Circulars, newest received first, narrowed by `filters`: one page of them, and how many in all."""
    filters = filters or Filters()
    query = sa.select(Circular)
    if filters.words.strip():
        query = query.where(_matching(session, filters.words.strip()[:200]))
    if filters.year is not None and filters.year not in fields.YEARS:
        return [], 0  # no memo is dated then (dates are checked), and date() could not even say that year
    if filters.year:
        query = query.where(Circular.dated >= date(filters.year, 1, 1), Circular.dated < date(filters.year + 1, 1, 1))
    if filters.issued_by:
        query = query.where(Circular.issued_by == filters.issued_by)
    if filters.endorsed is not None:
        query = query.where(_endorsed() if filters.endorsed else ~_endorsed())
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.options(selectinload(Circular.endorsements))
        .order_by(Circular.received_on.desc(), Circular.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(rows), total


def choices(session: DbSession) -> tuple[list[int], list[str]]:
    """The years and issuing offices the register holds, for its filters."""
    years = sorted({d.year for d in session.scalars(sa.select(Circular.dated).distinct())}, reverse=True)
    offices = list(session.scalars(sa.select(Circular.issued_by).distinct().order_by(Circular.issued_by)))
    return years, offices


_DIARY = re.compile(r"^\s*(\d{1,9})(.*)$")


def next_diary_no(session: DbSession, today: date) -> str:
    """The diary number after the highest given this year (`253/6` → `254/6`), or `1` for the year's first."""
    numbers = session.scalars(
        sa.select(Circular.diary_no).where(
            Circular.received_on >= date(today.year, 1, 1), Circular.received_on < date(today.year + 1, 1, 1)
        )
    ).all()
    best: tuple[int, str] | None = None
    for number in numbers:
        if (match := _DIARY.match(number)) and (best is None or int(match.group(1)) > best[0]):
            best = (int(match.group(1)), match.group(2).strip())
    return f"{best[0] + 1}{best[1]}" if best else "1"
