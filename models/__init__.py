"""The database: one SQLAlchemy instance and every typed model Pavati stores."""

from models.audit import AuditEvent
from models.base import Base, DbSession, db, session_of, utcnow
from models.circulars import Circular, Endorsement, MemoReading, ReadingStatus, SendingState
from models.dispatch import PENDING, REASON_LENGTH, Acknowledgement, Delivery, DeliveryKind, DeliveryStatus, Recipient
from models.office import Office
from models.reconciliation import ReconciledOfficer, Reconciliation
from models.roster import Officer, OfficerEmail, normalise_email
from models.staff import ApiToken, LinkPurpose, LoginThrottle, PasswordLink, Role, User
from models.tally import Tally

__all__ = [
    "Acknowledgement",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Circular",
    "DbSession",
    "Delivery",
    "DeliveryKind",
    "DeliveryStatus",
    "Endorsement",
    "LinkPurpose",
    "LoginThrottle",
    "MemoReading",
    "Office",
    "Officer",
    "PENDING",
    "REASON_LENGTH",
    "PasswordLink",
    "OfficerEmail",
    "ReadingStatus",
    "Recipient",
    "ReconciledOfficer",
    "Reconciliation",
    "Role",
    "SendingState",
    "Tally",
    "User",
    "db",
    "normalise_email",
    "session_of",
    "utcnow",
]
