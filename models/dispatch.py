"""Who an endorsement went to, each email sent (the outbox) and each answer received."""

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from models.base import db, utcnow
from models.circulars import Endorsement
from models.roster import Officer
from models.staff import User

# Where one officer stands on one endorsement before answering. Every other state is an acknowledgement,
# and belongs to the endorsement's kind (services.kinds).
PENDING = "pending"
# The longest reason staff may give for an answer they record by hand.
REASON_LENGTH = 300


class DeliveryStatus(enum.StrEnum):
    """An outbox row's life: queued → sending → sent (or bounced later), or failed, or cancelled (a
    reminder no longer wanted, or a distribution called off)."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BOUNCED = "bounced"
    CANCELLED = "cancelled"  # a reminder for someone who answered (or left) before it went out


class DeliveryKind(enum.StrEnum):
    """What an email is: the letter to an officer, a reminder of it, or a copy to an office."""

    LETTER = "letter"
    REMINDER = "reminder"
    COPY = "copy"  # to a copy-to office: no acknowledgement link, counted apart


class Recipient(db.Model):  # type: ignore[name-defined,misc]
    """One officer on one endorsement, with their acknowledgement token and current answer."""

    __table_args__ = (
        sa.UniqueConstraint("endorsement_id", "officer_id"),
        # A letter's list of one state, or of those answered by hand (its counts are kept apart: models.tally).
        sa.Index("ix_recipient_endorsement_counts", "endorsement_id", "state", "flag", "recorded_by_id", "resolution"),
        # A letter's list in name order, one page read from the index.
        sa.Index("ix_recipient_endorsement_name", "endorsement_id", "name", "id"),
        # Those whose latest email failed (or bounced), in name order.
        sa.Index("ix_recipient_endorsement_email", "endorsement_id", "latest_email", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endorsement_id: Mapped[int] = mapped_column(sa.ForeignKey("endorsement.id"), index=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"), index=True)
    # A snapshot: later roster edits do not change where this letter went.
    email: Mapped[str] = mapped_column(sa.String(254))
    # The officer's name, kept here (and in step with the roster, services.roster) so that a letter's list
    # is read in name order from one index rather than by sorting every recipient's officer.
    name: Mapped[str] = mapped_column(sa.String(200), server_default="")
    # The link's token is derived from the app secret and this nonce; only its hash is stored.
    token_nonce: Mapped[str] = mapped_column(sa.String(32))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    state: Mapped[str] = mapped_column(sa.String(16), default=PENDING, index=True)
    # The current answer (the latest), what it carried ({"igot_email": ...}), and a lighter variant of
    # its state that the kind counts apart ("alias": a mismatch between nic.in and gov.in only).
    response: Mapped[str | None] = mapped_column(sa.String(16))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    flag: Mapped[str | None] = mapped_column(sa.String(16))
    acknowledged_at: Mapped[datetime | None]
    # When the first answer came: what the answers chart counts (changing an answer does not move it).
    first_answered_at: Mapped[datetime | None]
    # Set when staff recorded the answer by hand (confirmed by phone, by letter).
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # And why (confirmed by phone, by letter): the latest answer's reason, shown beside it.
    reason: Mapped[str | None] = mapped_column(sa.String(REASON_LENGTH))
    # A mismatch staff have resolved: how (services.mismatches.RESOLUTIONS), by whom and when.
    resolution: Mapped[str | None] = mapped_column(sa.String(32))
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    resolved_at: Mapped[datetime | None]
    # What this officer's emails (the letter and reminders) add up to, kept by the database (models.tally) for the
    # letter's counts: the latest one's status, and whether any got through, came back, or is on its way.
    latest_email: Mapped[str | None] = mapped_column(sa.String(16))
    reached: Mapped[bool] = mapped_column(server_default=sa.false())
    bounced: Mapped[bool] = mapped_column(server_default=sa.false())
    busy: Mapped[bool] = mapped_column(server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    endorsement: Mapped[Endorsement] = relationship()
    officer: Mapped[Officer] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    deliveries: WriteOnlyMapped["Delivery"] = relationship(back_populates="recipient")
    acknowledgements: WriteOnlyMapped["Acknowledgement"] = relationship(back_populates="recipient")


class Delivery(db.Model):  # type: ignore[name-defined,misc]
    """One email: the letter, a reminder or a copy. The outbox is these rows."""

    __table_args__ = (
        # A double click or a repeated API call can create nothing twice: one email of each kind
        # and round per recipient (and per address, for copies, which have no recipient).
        sa.UniqueConstraint("recipient_id", "kind", "round", name="uq_delivery_recipient_kind_round"),
        sa.UniqueConstraint("endorsement_id", "to_email", "kind", "round", name="uq_delivery_address_kind_round"),
        sa.Index("ix_delivery_due", "status", "next_attempt_at"),
        # A letter's emails by status: the few failed found to send again without reading the many sent, and
        # the last minute's sent (services.tracking); the day it went out.
        sa.Index("ix_delivery_endorsement_status", "endorsement_id", "status", "sent_at", "recipient_id"),
        sa.Index("ix_delivery_endorsement_created", "endorsement_id", "created_at"),
        # A recipient's emails in order, with their status: which is the latest, whether one got through.
        sa.Index("ix_delivery_recipient_latest", "recipient_id", "id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endorsement_id: Mapped[int] = mapped_column(sa.ForeignKey("endorsement.id"))
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("recipient.id"))
    kind: Mapped[str] = mapped_column(sa.String(16), default=DeliveryKind.LETTER.value)
    # 0 for the letter and copies; 1, 2... for each round of reminders.
    round: Mapped[int] = mapped_column(default=0)
    # Where it went, as it was then.
    to_name: Mapped[str] = mapped_column(sa.String(200))
    to_email: Mapped[str] = mapped_column(sa.String(254))
    status: Mapped[str] = mapped_column(sa.String(16), default=DeliveryStatus.QUEUED.value, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    # The last failure, with the server's own reply where it gave one.
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    # When a queued row is due; for a row being sent, when its worker's claim lapses.
    next_attempt_at: Mapped[datetime | None]
    # The worker that claimed the row (services.workers names it), so a dead one's rows are freed soon.
    claimed_by: Mapped[str | None] = mapped_column(sa.String(120))
    # Fixed when the row is written, so a resend after a crash carries the same Message-ID.
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    endorsement: Mapped[Endorsement] = relationship()
    recipient: Mapped[Recipient | None] = relationship(back_populates="deliveries")

    @property
    def is_reminder(self) -> bool:
        return self.kind == DeliveryKind.REMINDER


class Acknowledgement(db.Model):  # type: ignore[name-defined,misc]
    """One answer submitted through an officer's link. Every answer is kept; the latest stands."""

    # A recipient's answers in time order: the first of each is what the answers chart counts.
    __table_args__ = (sa.Index("ix_acknowledgement_recipient_at", "recipient_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("recipient.id"))
    response: Mapped[str] = mapped_column(sa.String(16))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    state: Mapped[str] = mapped_column(sa.String(16))
    # Staff who recorded it by hand, and why ("confirmed by phone"); empty for the officer's own answer.
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    reason: Mapped[str | None] = mapped_column(sa.String(REASON_LENGTH))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))

    recipient: Mapped[Recipient] = relationship(back_populates="acknowledgements")
    recorded_by: Mapped[User | None] = relationship()
