"""The overview of every issued letter: how far each has got, against its deadline."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from models import PENDING, DbSession, Endorsement
from services import kinds, tracking


@dataclass(frozen=True)
class Progress:
    """One letter's standing: officers sent to, answered and complied, and whether it is overdue."""

    endorsement: Endorsement
    recipients: int
    answered: int
    compliant: int
    overdue: bool

    @property
    def answered_percent(self) -> float:
        return round(100 * self.answered / self.recipients, 1) if self.recipients else 0.0

    @property
    def compliant_percent(self) -> float:
        return round(100 * self.compliant / self.recipients, 1) if self.recipients else 0.0


def overview(session: DbSession, today: date, page: int = 1, per_page: int = 25) -> tuple[list[Progress], int]:
    """One page of issued letters, newest first, each with its progress (the page's running counts, in one query),
    and how many letters there are. A letter is overdue once its deadline has passed with officers still pending."""
    issued = sa.select(Endorsement).where(Endorsement.issued_at.is_not(None))
    total = session.scalar(sa.select(sa.func.count()).select_from(issued.subquery())) or 0
    letters = session.scalars(
        issued.options(joinedload(Endorsement.circular))
        .order_by(Endorsement.issued_at.desc(), Endorsement.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    by_letter = tracking.running_counts(session, [e.id for e in letters], "state")
    out = []
    for e in letters:
        states, kind = by_letter[e.id]["state"], kinds.kind_of(e.ack_kind)
        recipients = sum(states.values())
        overdue = e.deadline is not None and e.deadline < today and states[PENDING] > 0
        compliant = sum(states[s] for s in kind.compliant)
        out.append(Progress(e, recipients, recipients - states[PENDING], compliant, overdue))
    return out, total
