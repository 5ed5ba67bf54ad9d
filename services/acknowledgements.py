"""Officers' links and answers: making tokens, finding a recipient by one, recording what they say."""

import hmac
import secrets
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from models import REASON_LENGTH, Acknowledgement, DbSession, Endorsement, Recipient, utcnow
from services import audit, days, fields, files, kinds, tokens
from services.errors import Expired, Invalid, NotFound
from services.fields import printable
from services.kinds import Answer, Judgement, Kind
from services.kinds.base import said


def link_token(nonce: str) -> str:
    """The token in a recipient's link (see tokens.derived)."""
    return tokens.derived("pavati-ack", nonce)


def new_token() -> tuple[str, str]:
    """A fresh (nonce, token hash) pair for a new recipient."""
    nonce = secrets.token_hex(16)
    return nonce, tokens.digest(link_token(nonce))


def link_for(recipient: Recipient) -> str:
    """The officer's own link, on the configured public origin (never the request's Host).

    Raises LinkLost if the app's secret has changed since the link was made: a new link would
    not open, and mailing a dead link is worse than reporting the failure.
    """
    token = link_token(recipient.token_nonce)
    if not hmac.compare_digest(tokens.digest(token), recipient.token_hash):
        raise LinkLost("SECRET_KEY has changed since this letter was sent, so its links cannot be made again.")
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/a/{token}"


class LinkLost(Exception):
    """The officer's link cannot be rebuilt (the secret it was made with is gone)."""


def _by_token(token: str) -> sa.ColumnElement[bool]:
    """Picks the recipient a link belongs to; NotFound for a token no link could have."""
    if not token or len(token) > 100:
        raise NotFound("This link is not valid.")
    return Recipient.token_hash == tokens.digest(token)


def recipient_for_token(session: DbSession, token: str) -> Recipient:
    """The recipient a link belongs to, or NotFound for an unknown or altered token."""
    recipient = session.scalar(sa.select(Recipient).where(_by_token(token)))
    if recipient is None:
        raise NotFound("This link is not valid.")
    return recipient


def _locked(session: DbSession, *where: sa.ColumnElement[bool]) -> Recipient | None:
    """The recipient `where` picks, locked until the transaction ends and then read, with its letter and officer.

    Answers on one link take turns: the row is locked before anything is read or the time is taken, so what an
    answer changes is current and the latest by the database's order is the latest by time too. PostgreSQL
    locks the row as it reads it (FOR UPDATE OF recipient), in the one statement an answer reads with: it is the
    request a whole roster makes in one morning. SQLite has no row locks and ignores FOR UPDATE: a write that
    changes nothing first takes its database-wide write lock."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            sa.update(Recipient)
            .where(*where)
            .values(state=Recipient.state)
            .execution_options(synchronize_session=False)
        )
    return session.scalars(
        sa.select(Recipient)
        .where(*where)
        .options(joinedload(Recipient.endorsement), joinedload(Recipient.officer))
        .with_for_update(of=Recipient)
        .execution_options(populate_existing=True)
    ).one_or_none()


def current_letter(endorsement: Endorsement) -> Endorsement:
    """The letter an officer's link now leads to: the last issued correction of theirs, or theirs."""
    while endorsement.superseded_by is not None and endorsement.superseded_by.is_issued:
        endorsement = endorsement.superseded_by
    return endorsement


def letter_pdf(recipient: Recipient) -> bytes:
    """The issued letter the recipient was sent, or the correction that replaced it."""
    letter = current_letter(recipient.endorsement)
    if not letter.pdf_sha256:
        raise NotFound("This letter is not issued.")
    return files.load(letter.pdf_sha256)


def expired(recipient: Recipient, today: date) -> bool:
    """True once the link is past its letter's deadline and the grace after it (ACK_GRACE_DAYS)."""
    deadline = recipient.endorsement.deadline
    return deadline is not None and today > deadline + timedelta(days=current_app.config["ACK_GRACE_DAYS"])


def _judged(recipient: Recipient, given: Mapping[str, Any]) -> tuple[Kind, Answer, dict[str, Any], Judgement]:
    """The answer `given` ({"response": ..., and what it carries}), read and judged by the letter's kind."""
    kind = kinds.kind_of(recipient.endorsement.ack_kind)
    answer = kind.answer(str(given.get("response") or "").strip())
    if answer is None:
        raise Invalid(said("Please choose one of the answers."), "response")
    values: dict[str, Any] = {}
    for carried in kind.carried_by(answer):
        typed = given.get(carried.name)
        if not isinstance(typed, str | None):
            raise Invalid(f"{carried.label.en} must be text.", carried.name)
        if typed and typed.strip() or carried.name in answer.needs:
            values.update(carried.read(typed or ""))
    return kind, answer, values, kind.judge(answer, values, recipient.email)


def _record(
    session: DbSession,
    recipient: Recipient,
    given: Mapping[str, Any],
    *,
    remote_addr: str | None = None,
    user_agent: str | None = None,
    recorded_by: int | None = None,
    reason: str | None = None,
) -> Recipient:
    """Record an answer on a recipient `_locked` found: the latest stands on the recipient, every one is kept."""
    kind, answer, values, judgement = _judged(recipient, given)
    now = utcnow()
    session.add(
        Acknowledgement(
            recipient=recipient,
            response=answer.name,
            details=values,
            state=judgement.state,
            at=now,
            remote_addr=printable(remote_addr, 64),
            user_agent=printable(user_agent, 300),
            recorded_by_id=recorded_by,
            reason=reason,
        )
    )
    recipient.state = judgement.state
    recipient.flag = judgement.flag
    recipient.response = answer.name
    recipient.details = values
    recipient.acknowledged_at = now
    recipient.first_answered_at = recipient.first_answered_at or now
    recipient.recorded_by_id = recorded_by
    recipient.reason = reason
    recipient.resolution = recipient.resolved_by_id = recipient.resolved_at = None
    kind.remember(recipient.officer, answer.name, values, recipient.email)
    audit.record(
        session,
        "recipient.acknowledged" if recorded_by is None else "recipient.acknowledged_by_hand",
        "recipient",
        recipient.id,
        recorded_by,
        response=answer.name,
        state=judgement.state,
        **({"reason": reason} if reason else {}),
    )
    return recipient


def acknowledge(
    session: DbSession, token: str, given: Mapping[str, Any], remote_addr: str | None, user_agent: str | None
) -> Recipient:
    """Record an officer's answer through their link. It may be given again: the latest stands."""
    recipient = _locked(session, _by_token(token))
    if recipient is None:
        raise NotFound("This link is not valid.")
    if expired(recipient, days.today()):
        raise Expired(said("This link has expired."))
    return _record(session, recipient, given, remote_addr=remote_addr, user_agent=user_agent)


def recipient_of(session: DbSession, endorsement_id: int, recipient_id: int) -> Recipient:
    """One recipient of one letter, or NotFound."""
    recipient = session.get(Recipient, recipient_id)
    if recipient is None or recipient.endorsement_id != endorsement_id:
        raise NotFound("No such recipient of this letter.")
    return recipient


def acknowledge_by_hand(
    session: DbSession, endorsement_id: int, recipient_id: int, given: Mapping[str, Any], actor_id: int
) -> Recipient:
    """Staff record an officer's answer given another way (by phone, by letter), with the reason (`given`'s
    "reason") shown beside it."""
    why = fields.text(given, "reason", "The reason", REASON_LENGTH)
    recipient = _locked(session, Recipient.id == recipient_id, Recipient.endorsement_id == endorsement_id)
    if recipient is None:
        raise NotFound("No such recipient of this letter.")
    return _record(session, recipient, given, recorded_by=actor_id, reason=why)
