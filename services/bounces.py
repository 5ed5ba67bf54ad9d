"""Bounces: delivery status notifications (RFC 3464) matched to the emails they report, by Message-ID."""

import email
import email.policy
import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa

from models import DbSession, Delivery, DeliveryStatus, Officer, Recipient, normalise_email, utcnow
from services import audit
from services.errors import Invalid

MAX_FILE = 200 * 1024 * 1024
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")


@dataclass
class Bounce:
    """What one notification says: which message failed, for which address, and why."""

    message_id: str
    recipient: str | None
    reason: str


@dataclass
class BounceReport:
    """What importing a file did."""

    notifications: int = 0
    bounced: int = 0
    unmatched: int = 0
    not_failures: int = 0


def read_messages(path: Path) -> Iterator[EmailMessage]:
    """The messages in an mbox file, or the single message of an .eml file."""
    if not path.is_file():
        raise Invalid(f"{path} is not a file.")
    if path.stat().st_size > MAX_FILE:
        raise Invalid(f"{path} is larger than {MAX_FILE // 1024 // 1024} MB.")
    with path.open("rb") as handle:
        mbox = handle.read(5) == b"From "
    if mbox:
        for message in mailbox.mbox(str(path), factory=None, create=False):
            yield parse(message.as_bytes())
    else:
        yield parse(path.read_bytes())


def parse(data: bytes) -> EmailMessage:
    """One message from its bytes."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def bounces_in(message: EmailMessage) -> list[Bounce]:
    """The failures a delivery status notification reports (none for any other message, or for a
    "delayed" or "delivered" notice)."""
    if message.get_content_type() != "multipart/report":
        return []
    status_part = original = None
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            status_part = part
        elif kind in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            original = part
    message_id = _original_message_id(original)
    if status_part is None or message_id is None:
        return []
    found = []
    for fields in _per_recipient_fields(status_part):
        if fields.get("action", "").lower() != "failed":
            continue
        recipient = fields.get("final-recipient", "").partition(";")[2].strip() or None
        reason = fields.get("diagnostic-code", "").partition(";")[2].strip() or fields.get("status", "failed")
        found.append(Bounce(message_id, recipient, reason[:500]))
    return found


def _per_recipient_fields(part: EmailMessage) -> list[dict[str, str]]:
    """The delivery-status body's per-recipient field groups (the first group is per-message)."""
    payload = part.get_payload()
    if isinstance(payload, list):  # parsed as a list of header blocks
        groups = [{k.lower(): str(v) for k, v in block.items()} for block in payload if not isinstance(block, str)]
    else:
        text = payload if isinstance(payload, str) else ""
        groups = []
        for block in re.split(r"\r?\n\s*\r?\n", text.strip()):
            parsed = email.message_from_string(block, policy=email.policy.default)
            groups.append({k.lower(): str(v) for k, v in parsed.items()})
    return groups[1:] if len(groups) > 1 else groups


def _original_message_id(part: EmailMessage | None) -> str | None:
    if part is None:
        return None
    payload = part.get_payload()
    if isinstance(payload, list) and payload and not isinstance(payload[0], str):
        value = payload[0].get("Message-ID")
    else:
        parsed = email.message_from_string(str(payload), policy=email.policy.default)
        value = parsed.get("Message-ID")
    match = _MESSAGE_ID.search(str(value or ""))
    return match.group(0) if match else None


def record_bounces(session: DbSession, found: list[Bounce], actor_id: int | None) -> BounceReport:
    """Mark each reported email bounced (with the reason) and its officer's address as failing."""
    report = BounceReport()
    for bounce in found:
        delivery = session.scalar(sa.select(Delivery).where(Delivery.message_id == bounce.message_id))
        if delivery is None:
            report.unmatched += 1
            continue
        delivery.status = DeliveryStatus.BOUNCED.value
        delivery.last_error = f"Bounced: {bounce.reason}"[:1000]
        if delivery.recipient_id is not None:
            officer = session.scalar(
                sa.select(Officer)
                .join(Recipient, Recipient.officer_id == Officer.id)
                .where(Recipient.id == delivery.recipient_id)
            )
            if officer is not None and officer.email_key == normalise_email(delivery.to_email):
                officer.email_bounced_at = utcnow()
                officer.email_bounce_reason = bounce.reason[:500]
        report.bounced += 1
        audit.record(session, "delivery.bounced", "delivery", delivery.id, actor_id, reason=bounce.reason)
    return report


def import_bounces(session: DbSession, path: Path, actor_id: int | None) -> BounceReport:
    """Read an mbox or .eml file of delivery status notifications and record the bounces in it."""
    report = BounceReport()
    for message in read_messages(path):
        found = bounces_in(message)
        if not found:
            report.not_failures += 1
            continue
        report.notifications += 1
        done = record_bounces(session, found, actor_id)
        report.bounced += done.bounced
        report.unmatched += done.unmatched
    return report
