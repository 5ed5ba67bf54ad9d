"""Officers' links and answers: making tokens, finding a recipient by one, recording what they say."""

import base64
import hashlib
import hmac
import secrets
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app

from models import AckKind, Acknowledgement, DbSession, Recipient, RecipientState, normalise_email, utcnow
from services import audit, files, tokens
from services.errors import Invalid, NotFound
from services.fields import printable

ALIGNMENT_RESPONSES = {
    "aligned": "My email ID is the same on iGOT Karmayogi and SPARROW",
    "updated": "I have now updated my iGOT Karmayogi email ID to match SPARROW",
    "different": "My iGOT Karmayogi email ID is different",
}
READ_RESPONSES = {"noted": "I have read the letter and noted it for necessary action"}


def responses_for(ack_kind: str) -> dict[str, str]:
    """The answers an officer may give to an endorsement of this kind."""
    return ALIGNMENT_RESPONSES if ack_kind == AckKind.EMAIL_ALIGNMENT else READ_RESPONSES


def link_token(nonce: str) -> str:
    """The token in a recipient's link: an HMAC of their random nonce under the app's secret.

    Derived rather than stored, so that a reminder can carry the same link while the database
    holds only the token's hash.
    """
    key = current_app.config["SECRET_KEY"].encode()
    mac = hmac.new(key, f"pavati-ack:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


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


def recipient_for_token(session: DbSession, token: str) -> Recipient:
    """The recipient a link belongs to, or NotFound for an unknown or altered token."""
    if not token or len(token) > 100:
        raise NotFound("This link is not valid.")
    recipient = session.scalar(sa.select(Recipient).where(Recipient.token_hash == tokens.digest(token)))
    if recipient is None:
        raise NotFound("This link is not valid.")
    return recipient


def letter_pdf(recipient: Recipient) -> bytes:
    """The issued letter the recipient was sent."""
    if not recipient.endorsement.pdf_sha256:
        raise NotFound("This letter is not issued.")
    return files.load(recipient.endorsement.pdf_sha256)


def judge(recipient: Recipient, response: str, igot_email: str | None) -> RecipientState:
    """The state an answer puts the recipient in."""
    if response == "noted":
        return RecipientState.NOTED
    if response in ("aligned", "updated"):
        return RecipientState.ALIGNED
    assert igot_email is not None
    return RecipientState.ALIGNED if igot_email == normalise_email(recipient.email) else RecipientState.MISMATCH


def acknowledge(
    session: DbSession, token: str, answer: dict[str, Any], remote_addr: str | None, user_agent: str | None
) -> Recipient:
    """Record an officer's answer. It may be given again: the latest stands, every one is kept."""
    recipient = recipient_for_token(session, token)
    response = str(answer.get("response") or "").strip()
    if response not in responses_for(recipient.endorsement.ack_kind):
        raise Invalid("Please choose one of the answers.", "response")
    igot_email: str | None = None
    if response == "different":
        typed = str(answer.get("igot_email") or "").strip()
        if not typed:
            raise Invalid("Please type the email ID you use on iGOT Karmayogi.", "igot_email")
        try:
            igot_email = normalise_email(validate_email(typed, check_deliverability=False).normalized)
        except EmailNotValidError:
            raise Invalid(f"{typed[:254]} is not a valid email address.", "igot_email") from None
    state = judge(recipient, response, igot_email)
    # Answers on one link take turns: the recipient's row is locked (on SQLite, the database) before
    # the time is read, so the latest answer by the database's own order is the latest by time too.
    session.execute(
        sa.update(Recipient)
        .where(Recipient.id == recipient.id)
        .values(state=Recipient.state)
        .execution_options(synchronize_session=False)
    )
    # What was read before the lock may be stale; an unchanged-looking value would not be written.
    session.refresh(recipient)
    session.refresh(recipient.officer)
    now = utcnow()
    session.add(
        Acknowledgement(
            recipient=recipient,
            response=response,
            igot_email=igot_email,
            state=state.value,
            at=now,
            remote_addr=printable(remote_addr, 64),
            user_agent=printable(user_agent, 300),
        )
    )
    recipient.state = state.value
    recipient.response = response
    recipient.igot_email = igot_email
    recipient.acknowledged_at = now
    if response in ("aligned", "updated"):
        recipient.officer.igot_email = normalise_email(recipient.email)
    elif igot_email:
        recipient.officer.igot_email = igot_email
    audit.record(
        session, "recipient.acknowledged", "recipient", recipient.id, None, response=response, state=state.value
    )
    return recipient
