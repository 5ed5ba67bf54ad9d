"""Who an endorsement went to, each email sent (the outbox) and each answer received."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from models.base import db, utcnow
from models.circulars import Endorsement
from models.roster import Officer


class RecipientState(enum.StrEnum):
    """Where one officer stands on one endorsement. Every state but pending is an acknowledgement."""

    PENDING = "pending"
    NOTED = "noted"  # read and noted (ack kind "read")
    ALIGNED = "aligned"  # same email on iGOT and SPARROW
    MISMATCH = "mismatch"  # iGOT email differs from the one on record


class DeliveryStatus(enum.StrEnum):
    """An outbox row's life: queued → sending → sent, or failed (or cancelled, for a reminder no longer due)."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BOUNCED = "bounced"
    CANCELLED = "cancelled"  # a reminder for someone who answered (or left) before it went out


class Recipient(db.Model):  # type: ignore[name-defined,misc]
    """One officer on one endorsement, with their acknowledgement token and current answer."""

    __table_args__ = (sa.UniqueConstraint("endorsement_id", "officer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endorsement_id: Mapped[int] = mapped_column(sa.ForeignKey("endorsement.id"), index=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"), index=True)
    # A snapshot: later roster edits do not change where this letter went.
    email: Mapped[str] = mapped_column(sa.String(254))
    # The link's token is derived from the app secret and this nonce; only its hash is stored.
    token_nonce: Mapped[str] = mapped_column(sa.String(32))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    state: Mapped[str] = mapped_column(sa.String(16), default=RecipientState.PENDING.value, index=True)
    response: Mapped[str | None] = mapped_column(sa.String(16))
    igot_email: Mapped[str | None] = mapped_column(sa.String(254))
    acknowledged_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    endorsement: Mapped[Endorsement] = relationship()
    officer: Mapped[Officer] = relationship()
    deliveries: WriteOnlyMapped["Delivery"] = relationship(back_populates="recipient")
    acknowledgements: WriteOnlyMapped["Acknowledgement"] = relationship(back_populates="recipient")


class Delivery(db.Model):  # type: ignore[name-defined,misc]
    """One email to one recipient: the first send or a reminder. The outbox is these rows."""

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("recipient.id"), index=True)
    is_reminder: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(16), default=DeliveryStatus.QUEUED.value, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    # When a queued row is due; for a row being sent, when its worker's claim lapses.
    next_attempt_at: Mapped[datetime | None]
    # The worker that claimed the row (services.workers names it), so a dead one's rows are freed soon.
    claimed_by: Mapped[str | None] = mapped_column(sa.String(120))
    # Fixed when the row is written, so a resend after a crash carries the same Message-ID.
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    recipient: Mapped[Recipient] = relationship(back_populates="deliveries")


class Acknowledgement(db.Model):  # type: ignore[name-defined,misc]
    """One answer submitted through an officer's link. Every answer is kept; the latest stands."""

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("recipient.id"), index=True)
    response: Mapped[str] = mapped_column(sa.String(16))
    igot_email: Mapped[str | None] = mapped_column(sa.String(254))
    state: Mapped[str] = mapped_column(sa.String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))

    recipient: Mapped[Recipient] = relationship(back_populates="acknowledgements")
