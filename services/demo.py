"""Demo data for a first look: an admin, the sample roster and the founding DoPT circular."""

import json
import secrets
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from models import Circular, DbSession, Role, User
from services import accounts, intake, office, roster

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "samples"


def load_demo(session: DbSession, admin_email: str = "admin@pavati.in") -> str | None:
    """Create what is missing of the demo data; returns the new admin's password, or None if there was one."""
    password = None
    if session.scalar(sa.select(User).where(User.email == admin_email)) is None:
        password = secrets.token_urlsafe(12)
        accounts.create_user(session, admin_email, "Demo Admin", Role.ADMIN.value, password)
        # The demo has one member of staff, who must be able to approve the letters they prepare.
        office.save(session, {"one_person_office": office.YES}, None)
    roster.import_roster(session, (SAMPLES / "roster-haryana-ias.csv").read_bytes(), None)
    facts = json.loads((SAMPLES / "memos.json").read_text())["dopt-igot-email-om"]
    memo = intake.read_memo(session, (SAMPLES / "dopt-igot-email-om.pdf").read_bytes())
    if session.scalar(sa.select(Circular).where(Circular.pdf_sha256 == memo.sha256)) is None:
        intake.diarise(
            session,
            memo.sha256,
            "dopt-igot-email-om.pdf",
            {**facts, "diary_no": "253/6", "received_on": date.fromisoformat(facts["dated"])},
            None,
        )
    return password
