"""Writing the audit trail."""

from typing import Any

from models import AuditEvent, DbSession


def record(
    session: DbSession,
    action: str,
    entity: str,
    entity_id: int | None,
    actor_id: int | None = None,
    **details: Any,
) -> None:
    """Add an audit event to the session; the caller's commit makes it stand with the change."""
    session.add(AuditEvent(action=action, entity=entity, entity_id=entity_id, actor_id=actor_id, details=details))
