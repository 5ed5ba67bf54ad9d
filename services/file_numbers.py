"""Letters' file numbers: the pattern in the office's settings, and the running serial of each year's letters."""

from datetime import date

import sqlalchemy as sa

from models import DbSession, Endorsement
from services import office

SERIAL = "{serial}"


def next_number(session: DbSession, day: date) -> tuple[str, int | None]:
    """The number the office's pattern gives the next letter dated `day`, and its serial in that year's series (None
    when the pattern has no {serial}: every letter then carries the same file number)."""
    setting = office.BY_NAME["file_no"]
    pattern = office.particulars(session)["file_no"]
    if SERIAL not in pattern:
        return setting.fill_in(pattern, year=day.year), None
    last = session.scalar(sa.select(sa.func.max(Endorsement.file_serial)).where(Endorsement.file_year == day.year))
    serial = (last or 0) + 1
    return setting.fill_in(pattern, serial=serial, year=day.year), serial


def numbered_from_series(session: DbSession) -> bool:
    """Whether the office's letters take their numbers from its series (so a new draft leaves its number empty)."""
    return SERIAL in office.particulars(session)["file_no"]
