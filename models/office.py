"""The office's own particulars, as its admin set them: one row."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db, utcnow


class Office(db.Model):  # type: ignore[name-defined,misc]
    """The letterhead, signatory, numbering and wording an office's letters start from.

    The particulars are kept as one JSON object whose fields, limits and labels services.office defines once;
    the emblem is a stored image (services.files) named by its SHA-256."""

    id: Mapped[int] = mapped_column(primary_key=True)
    particulars: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    emblem_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
