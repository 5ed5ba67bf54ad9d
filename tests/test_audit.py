"""The audit log: admins read it, filtered and a page at a time; nothing can change or delete it."""

import pytest
import sqlalchemy as sa
from flask import Flask

from models import AuditEvent, db
from models.audit import AuditTrailIsFixed
from services import audit


@pytest.fixture
def event_id(app: Flask) -> int:
    """One event, as an officer's answer records it."""
    with app.app_context():
        audit.record(db.session, "recipient.acknowledged", "recipient", 1, None, response="aligned")
        db.session.commit()
        return int(db.session.scalar(sa.select(AuditEvent.id)))


@pytest.mark.parametrize(
    "change",
    [
        lambda event: setattr(event, "action", "recipient.forged"),
        lambda event: setattr(event, "details", {"response": "forged"}),
        lambda event: db.session.delete(event),
        lambda event: db.session.execute(sa.update(AuditEvent).values(action="recipient.forged")),
        lambda event: db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == event.id)),
    ],
    ids=["action", "details", "delete", "bulk-update", "bulk-delete"],
)
def test_nothing_changes_or_deletes_an_event_through_the_orm(app: Flask, event_id: int, change):
    with app.app_context():
        event = db.session.get(AuditEvent, event_id)
        with pytest.raises(AuditTrailIsFixed):
            change(event)
            db.session.commit()
        db.session.rollback()
        db.session.expire_all()
        event = db.session.get(AuditEvent, event_id)
        assert event is not None
        assert (event.action, event.details) == ("recipient.acknowledged", {"response": "aligned"})
