"""The audit trail: who did what to which record, and when. Written once, never changed or deleted."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Mapper, ORMExecuteState, Session, mapped_column, relationship

from models.base import db, utcnow
from models.staff import User


class AuditEvent(db.Model):  # type: ignore[name-defined,misc]
    """One thing done. `actor_id` is empty for officers (no account) and the system."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(sa.String(64))
    entity: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship()


class AuditTrailIsFixed(RuntimeError):
    """Something tried to change or delete an audit event: a record that could be rewritten proves nothing."""


@sa.event.listens_for(AuditEvent, "before_update")
@sa.event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper: Mapper[AuditEvent], connection: sa.Connection, event: AuditEvent) -> None:
    raise AuditTrailIsFixed(f"Audit event {event.id} cannot be changed or deleted.")


@sa.event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    # ORM UPDATE and DELETE statements skip the mapper events above; the database's trigger
    # (migration 0006) is the last guard, for SQL that bypasses the ORM altogether.
    if (state.is_update or state.is_delete) and any(m.class_ is AuditEvent for m in state.all_mappers):
        raise AuditTrailIsFixed("The audit log cannot be changed or deleted.")
