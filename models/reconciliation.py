"""Reconciliations: what iGOT Karmayogi's own reports said about each roster officer, report by report."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, utcnow
from models.roster import Officer
from models.staff import User

RUNNING, DONE, FAILED = "running", "done", "failed"
# What iGOT says of one officer, in the order the pages list them.
ALIGNED, MISMATCH, ALIAS, NOT_ON_IGOT, AMBIGUOUS = "aligned", "mismatch", "alias", "not_on_igot", "ambiguous"
RESULTS = (MISMATCH, ALIAS, NOT_ON_IGOT, AMBIGUOUS, ALIGNED)
# How the officer was found among iGOT's users; a match by name and batch is for a person to confirm.
BY_EMAIL, BY_MOBILE, BY_NAME_BATCH = "email", "mobile", "name_batch"


class Reconciliation(db.Model):  # type: ignore[name-defined,misc]
    """One export of iGOT's reports read against the roster. The file and its password are never kept:
    only what was learnt from it, the report's own date, and the counts."""

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=RUNNING)
    reason: Mapped[str | None] = mapped_column(sa.String(500))  # why it failed
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    # When the portal made the report (Report_Last_Generated_On, read in the office's time zone).
    report_generated_at: Mapped[datetime | None]
    # {officers, aligned, mismatch, alias, not_on_igot, ambiguous, courses_completed, ...}
    counts: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    # The courses counted as prescribed, and whether the office's settings named them or the report did.
    prescribed: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    prescribed_by: Mapped[str] = mapped_column(sa.String(10), default="")
    previous_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reconciliation.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    created_by: Mapped[User | None] = relationship()

    @property
    def is_done(self) -> bool:
        return self.status == DONE


class ReconciledOfficer(db.Model):  # type: ignore[name-defined,misc]
    """What one reconciliation found for one officer: how they were matched, the result, their courses."""

    __table_args__ = (
        sa.UniqueConstraint("reconciliation_id", "officer_id"),
        # The lists by result, a page at a time in name order.
        sa.Index("ix_reconciled_officer_result", "reconciliation_id", "result", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reconciliation_id: Mapped[int] = mapped_column(sa.ForeignKey("reconciliation.id"))
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")  # the officer's, for the lists' order
    result: Mapped[str] = mapped_column(sa.String(12))
    matched_by: Mapped[str | None] = mapped_column(sa.String(12))
    # The officer's email on the roster when it was read, and iGOT's (the first candidate's, when ambiguous).
    sparrow_email: Mapped[str] = mapped_column(sa.String(254), default="")
    igot_email: Mapped[str | None] = mapped_column(sa.String(254))
    igot_name: Mapped[str | None] = mapped_column(sa.String(200))
    candidates: Mapped[int] = mapped_column(default=0)
    courses_completed: Mapped[int] = mapped_column(default=0)
    courses_in_progress: Mapped[int] = mapped_column(default=0)
    courses_not_started: Mapped[int] = mapped_column(default=0)
    all_courses_done: Mapped[bool] = mapped_column(default=False)
    assessment_done: Mapped[bool] = mapped_column(default=False)
    # The result the previous reconciliation had for this officer (None: not in it, or none before).
    was: Mapped[str | None] = mapped_column(sa.String(12))

    officer: Mapped[Officer] = relationship()
