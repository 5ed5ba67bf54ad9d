"""Incoming circulars (memos from GoI) and the endorsement letters that forward them."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, utcnow
from models.staff import User


class ReadingStatus(enum.StrEnum):
    """Where the reading of an uploaded memo stands: OCR of a scan runs in the background."""

    READING = "reading"
    DONE = "done"
    FAILED = "failed"


class MemoReading(db.Model):  # type: ignore[name-defined,misc]
    """What was read off an uploaded PDF, page by page; a scan's pages are read by OCR in the background."""

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=ReadingStatus.DONE.value)
    pages: Mapped[int]
    texts: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Pages (0-based) to read by OCR, and those read so far: the progress shown while it runs.
    ocr_pages: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    ocr_done: Mapped[int] = mapped_column(default=0)
    ocr_seconds: Mapped[float] = mapped_column(default=0.0)
    error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


class SendingState(enum.StrEnum):
    """Whether an issued letter's emails may go: a distribution can be paused, resumed or called off."""

    ACTIVE = "active"
    PAUSED = "paused"
    CANCELLED = "cancelled"


class Circular(db.Model):  # type: ignore[name-defined,misc]
    """A memo received and diarised: its particulars and the stored PDF."""

    id: Mapped[int] = mapped_column(primary_key=True)
    reference_no: Mapped[str] = mapped_column(sa.String(200))
    # Normalised reference number, so that "No. X" and "x" are caught as the same memo.
    reference_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    dated: Mapped[date]
    issued_by: Mapped[str] = mapped_column(sa.String(200))
    subject: Mapped[str] = mapped_column(sa.String(500))
    diary_no: Mapped[str] = mapped_column(sa.String(100))
    received_on: Mapped[date]
    pdf_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    pdf_pages: Mapped[int]
    filename: Mapped[str] = mapped_column(sa.String(255))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    # How sure the reading was of each particular the clerk kept as suggested ({field: 0..1}), so the
    # circular's page can say where to look twice.
    confidence: Mapped[dict[str, float]] = mapped_column(sa.JSON, default=dict)
    registered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)

    registered_by: Mapped[User | None] = relationship()
    endorsements: Mapped[list["Endorsement"]] = relationship(back_populates="circular", order_by="Endorsement.id")

    def __repr__(self) -> str:
        return f"<Circular {self.reference_no}>"


class Endorsement(db.Model):  # type: ignore[name-defined,misc]
    """The forwarding letter for one circular. A draft until issued; immutable after."""

    __table_args__ = (
        # A letter is corrected once: a second correction corrects the first.
        sa.Index("uq_endorsement_supersedes_id", "supersedes_id", unique=True),
        # A number of the year's series is given once, even to two letters approved at the same moment.
        sa.Index("uq_endorsement_file_serial", "file_year", "file_serial", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circular_id: Mapped[int] = mapped_column(sa.ForeignKey("circular.id"), index=True)
    # Empty on a draft that takes its number from the office's series when it is approved.
    file_no: Mapped[str] = mapped_column(sa.String(200))
    # Its place in the year's series (services.file_numbers), where the number came from the series.
    file_year: Mapped[int | None]
    file_serial: Mapped[int | None]
    dated: Mapped[date]
    addressee: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    signatory_name: Mapped[str] = mapped_column(sa.String(120))
    signatory_title: Mapped[str] = mapped_column(sa.String(200))
    # One office per line, as the Endst. No. block lists them.
    copy_to: Mapped[str] = mapped_column(sa.Text, default="")
    # What officers are asked to confirm: a kind's name (services.kinds).
    ack_kind: Mapped[str] = mapped_column(sa.String(32))
    deadline: Mapped[date | None]
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # Printed on the issued letter (a link and a QR code) so that anyone can check it on the public page
    # /v/<code>: random, so that the codes cannot be walked to list the office's letters.
    verify_code: Mapped[str | None] = mapped_column(sa.String(16), unique=True, index=True)
    # Whose certificate signed the issued bundle (its subject as people read it); None if issued unsigned.
    signed_by: Mapped[str | None] = mapped_column(sa.String(300))
    # Counts every change to the draft, so that issuing can tell the letter it rendered is still current.
    revision: Mapped[int] = mapped_column(default=1, server_default="1")
    sending: Mapped[str] = mapped_column(sa.String(16), default=SendingState.ACTIVE.value, server_default="active")
    last_reminded_at: Mapped[datetime | None]
    # Rounds of reminders sent; scheduled ones go every `remind_every_days` until the deadline, at most
    # `remind_at_most` rounds in all.
    reminder_rounds: Mapped[int] = mapped_column(default=0, server_default="0")
    remind_every_days: Mapped[int | None]
    remind_at_most: Mapped[int | None]
    issued_at: Mapped[datetime | None]
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A draft the clerk has sent to the signatory: it waits in the approver's queue until changed or approved.
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # A correction is a new endorsement naming the one it replaces; both are kept.
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("endorsement.id"))

    circular: Mapped[Circular] = relationship(back_populates="endorsements")
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    supersedes: Mapped["Endorsement | None"] = relationship(
        remote_side=[id], foreign_keys=[supersedes_id], back_populates="superseded_by"
    )
    superseded_by: Mapped["Endorsement | None"] = relationship(back_populates="supersedes")

    @property
    def is_issued(self) -> bool:
        return self.issued_at is not None

    @property
    def status(self) -> str:
        """draft, awaiting_approval, issued, or superseded (by an issued correction)."""
        if self.superseded_by is not None and self.superseded_by.is_issued:
            return "superseded"
        if self.is_issued:
            return "issued"
        return "awaiting_approval" if self.submitted_at else "draft"

    @property
    def number(self) -> str:
        """The letter's file number, or for a draft that takes one when approved, what to call it meanwhile."""
        return self.file_no or f"Draft #{self.id} (numbered when approved)"

    @property
    def copy_to_list(self) -> list[str]:
        return [line.strip() for line in self.copy_to.splitlines() if line.strip()]

    def __repr__(self) -> str:
        return f"<Endorsement {self.file_no}>"
