"""The mismatch work list: officers whose iGOT email differs from SPARROW's, across every letter, until staff
resolve each one (SPARROW corrected, officer contacted, or iGOT now matches)."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from models import DbSession, Endorsement, Officer, Recipient, utcnow
from services import audit, roster
from services.errors import Conflict, Invalid, NotFound
from services.kinds.email_alignment import ALIAS, ALIGNED, MISMATCH

# How a mismatch was resolved, in the words staff choose from.
RESOLUTIONS = {
    "sparrow_corrected": "SPARROW corrected to the officer's iGOT email",
    "officer_contacted": "Officer contacted; they will align their iGOT email",
    "igot_matches": "iGOT now matches SPARROW",
}


@dataclass(frozen=True)
class WorkList:
    rows: list[Recipient]
    total: int
    aliases: int


def work_list(session: DbSession, page: int = 1, per_page: int = 50, search: str = "") -> WorkList:
    """Mismatches still open, oldest answer first (the longest waiting), with their officer and letter."""
    open_ = sa.select(Recipient).join(Officer, Officer.id == Recipient.officer_id).where(Recipient.state == MISMATCH)
    if words := search.strip()[:100]:
        open_ = open_.where(
            sa.or_(Officer.name.icontains(words, autoescape=True), Officer.email_key.icontains(words, autoescape=True))
        )
    total = session.scalar(sa.select(sa.func.count()).select_from(open_.subquery())) or 0
    aliases = session.scalar(sa.select(sa.func.count()).select_from(open_.where(Recipient.flag == ALIAS).subquery()))
    rows = session.scalars(
        open_.options(joinedload(Recipient.officer), joinedload(Recipient.endorsement).joinedload(Endorsement.circular))
        .order_by(Recipient.acknowledged_at, Recipient.id)
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return WorkList(list(rows), total, aliases or 0)


def resolve(session: DbSession, recipient_id: int, how: str, actor_id: int | None) -> Recipient:
    """Record how a mismatch was resolved; it counts as aligned from now on.

    Correcting SPARROW puts the officer's iGOT email on the roster as their email; iGOT matching SPARROW puts
    SPARROW's on the roster as their iGOT email (each audited as a roster change). Both are facts about the
    officer rather than one letter, so the officer's other open mismatches they settle are resolved with it: every
    one, once iGOT matches SPARROW; those that gave the same iGOT email, once SPARROW holds it."""
    if how not in RESOLUTIONS:
        raise Invalid(f"Choose how it was resolved: {', '.join(RESOLUTIONS)}.", "how")
    recipient = session.get(Recipient, recipient_id)
    if recipient is None:
        raise NotFound("No such recipient.")
    if recipient.state != MISMATCH:
        raise Conflict(f"{recipient.officer.name}'s answer is no longer a mismatch.")
    officer = recipient.officer
    others = session.scalars(
        sa.select(Recipient).where(
            Recipient.officer_id == officer.id, Recipient.state == MISMATCH, Recipient.id != recipient.id
        )
    ).all()
    settled = [recipient]
    if how == "sparrow_corrected":
        igot = recipient.details["igot_email"]
        roster.save_officer(session, officer.id, {"sparrow_email": igot}, actor_id)
        settled += [other for other in others if other.details.get("igot_email") == igot]
    elif how == "igot_matches":
        roster.save_officer(session, officer.id, {"igot_email": officer.sparrow_email}, actor_id)
        settled += others
    now = utcnow()
    for mismatch in settled:
        mismatch.state, mismatch.flag = ALIGNED, None
        mismatch.resolution, mismatch.resolved_by_id, mismatch.resolved_at = how, actor_id, now
        audit.record(session, "recipient.mismatch_resolved", "recipient", mismatch.id, actor_id, how=how)
    return recipient
