"""The roster: officers who receive circulars and acknowledge them, and the emails they had before."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from models.base import db, utcnow


def normalise_email(address: str) -> str:
    """The form in which emails are compared: trimmed and lower-cased."""
    return address.strip().lower()


class Officer(db.Model):  # type: ignore[name-defined,misc]
    """One officer on the roster. Deactivated, never deleted: acknowledgements point here."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # The service's identity number (the IAS Civil List's "Identity No."): who the officer is when their email changes.
    identity_no: Mapped[str | None] = mapped_column(sa.String(20), unique=True, index=True)
    # Indexed: lists of officers (and a letter's recipients) are in order of name, a page at a time.
    name: Mapped[str] = mapped_column(sa.String(120), index=True)
    service: Mapped[str] = mapped_column(sa.String(16), default="IAS")
    cadre: Mapped[str] = mapped_column(sa.String(40), default="")
    batch: Mapped[int | None]
    designation: Mapped[str] = mapped_column(sa.String(200), default="")
    posting: Mapped[str] = mapped_column(sa.String(200), default="")
    # The email on record (SPARROW) as the roster gives it, and as compared: trimmed and lower-cased, unique.
    # (The address's own unique constraint is the first schema's; the key is the stricter one.)
    sparrow_email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    email_key: Mapped[str] = mapped_column(sa.String(254), unique=True, index=True)
    mobile: Mapped[str] = mapped_column(sa.String(20), default="")
    igot_email: Mapped[str | None] = mapped_column(sa.String(254))
    active: Mapped[bool] = mapped_column(default=True)
    # Set when mail to the address on record bounced (a delivery status notification); cleared when
    # the address changes.
    email_bounced_at: Mapped[datetime | None]
    email_bounce_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    earlier_emails: Mapped[list["OfficerEmail"]] = relationship(
        order_by="OfficerEmail.replaced_at.desc()", back_populates="officer"
    )

    @validates("sparrow_email")
    def _keyed(self, _: str, address: str) -> str:
        # Set together, so that the key can never disagree with the address shown.
        self.email_key = normalise_email(address)
        return address.strip()

    def __repr__(self) -> str:
        return f"<Officer {self.sparrow_email}>"


class OfficerEmail(db.Model):  # type: ignore[name-defined,misc]
    """An email an officer's record held until the roster gave a new one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)

    officer: Mapped[Officer] = relationship(back_populates="earlier_emails")
