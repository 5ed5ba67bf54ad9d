"""The email that carries a letter: what every email of it shares, made once; each officer's own bits put in."""

from typing import Any

import markupsafe
from flask import current_app, render_template

from models import Delivery, DeliveryKind, Endorsement, session_of, utcnow
from services import emails, files, kinds, office
from services.acknowledgements import link_for
from services.letters import long_date

# Stand-ins for what differs from officer to officer, put in when each email is made.
_PER_OFFICER = ("name", "email", "link")


class LetterParts:
    """What every email of one letter shares, made once per worker: the sender, the encoded PDF, and
    the text and HTML bodies of each kind of email with stand-ins for the officer's name, address and link."""

    def __init__(self) -> None:
        self._parts: dict[tuple[int, str], dict[str, Any]] = {}

    def of(self, endorsement: Endorsement, kind: str) -> dict[str, Any]:
        key = (endorsement.id, kind)
        if key not in self._parts:
            assert endorsement.pdf_sha256
            name = "".join(c if c.isalnum() else "-" for c in endorsement.file_no).strip("-") or "endorsement"
            context = {
                "e": endorsement,
                "c": endorsement.circular,
                "kind": kind,
                "asks": kinds.kind_of(endorsement.ack_kind).asks(
                    f" by {long_date(endorsement.deadline)}" if endorsement.deadline else ""
                ),
                "office": office.particulars(session_of(endorsement)),
                **{stand_in: f"\x00{stand_in}\x00" for stand_in in _PER_OFFICER},
            }
            self._parts[key] = {
                "sender": emails.sender(current_app.config["MAIL_DEFAULT_SENDER"]),
                "attachment": emails.attachment(f"{name}.pdf", "application/pdf", files.load(endorsement.pdf_sha256)),
                "text": render_template("email/endorsement.txt", **context),
                "html": render_template("email/endorsement.html", **context),
            }
        return self._parts[key]


def _fill(template: str, values: dict[str, str], escape: bool) -> str:
    for stand_in, value in values.items():
        template = template.replace(f"\x00{stand_in}\x00", str(markupsafe.escape(value)) if escape else value)
    return template


def compose(delivery: Delivery, parts: LetterParts) -> emails.Email:
    """The email for one row: the shared parts of its letter, the officer's greeting, address and own link."""
    shared = parts.of(delivery.endorsement, delivery.kind)
    recipient = delivery.recipient
    values = {"name": delivery.to_name, "email": delivery.to_email, "link": link_for(recipient) if recipient else ""}
    prefix = "Reminder: " if delivery.kind == DeliveryKind.REMINDER else ""
    return emails.Email(
        sender=shared["sender"],
        to=(delivery.to_name, delivery.to_email),
        subject=f"{prefix}{delivery.endorsement.circular.subject}"[:250],
        message_id=delivery.message_id,
        sent_at=utcnow(),
        text=_fill(shared["text"], values, escape=False),
        html=_fill(shared["html"], values, escape=True),
        attachments=(shared["attachment"],),
    )
