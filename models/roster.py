"""The roster: officers who receive circulars and acknowledge them."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db, utcnow


def normalise_email(address: str) -> str:
    """The form in which emails are compared: trimmed and lower-cased."""
    return address.strip().lower()


class Officer(db.Model):  # type: ignore[name-defined,misc]
    """One officer on the roster. Deactivated, never deleted: acknowledgements point here."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    service: Mapped[str] = mapped_column(sa.String(16), default="IAS")
    batch: Mapped[int | None]
    designation: Mapped[str] = mapped_column(sa.String(200), default="")
    # The email on record (SPARROW), kept normalised so that uniqueness ignores case and spaces.
    sparrow_email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    mobile: Mapped[str] = mapped_column(sa.String(20), default="")
    igot_email: Mapped[str | None] = mapped_column(sa.String(254))
    active: Mapped[bool] = mapped_column(default=True)
    # Set when mail to the address on record bounced (a delivery status notification); cleared when
    # the address changes.
    email_bounced_at: Mapped[datetime | None]
    email_bounce_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Officer {self.sparrow_email}>"
