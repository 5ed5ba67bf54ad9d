"""The audit log: admins read it, filtered and a page at a time; nothing can change or delete it."""

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask

from models import AuditEvent, Recipient, User, db
from models.audit import AuditTrailIsFixed
from services import audit, audit_log
from services.errors import Invalid
from tests.conftest import Auth, Client, answered_letter, make_user

OFFICE = ZoneInfo("Asia/Kolkata")  # the app's default TIMEZONE: UTC + 5:30


def user_id(app: Flask, role: str) -> int:
    """The id of the staff member of this role, made (with the event that records it) if new."""
    email = f"{role}@parcell.hry.gov.in"
    with app.app_context():
        if not db.session.scalar(sa.select(User.id).where(User.email == email)):
            make_user(app, email, role)
        return int(db.session.scalar(sa.select(User.id).where(User.email == email)))


def add(app: Flask, action: str, at: str, actor_id: int | None = None, **details: Any) -> None:
    """An event at a given UTC moment ("2024-03-10 18:29")."""
    with app.app_context():
        moment = datetime.fromisoformat(at).replace(tzinfo=UTC)
        entity = action.split(".")[0]
        db.session.add(
            AuditEvent(at=moment, actor_id=actor_id, action=action, entity=entity, entity_id=1, details=details)
        )
        db.session.commit()


@pytest.fixture
def log(app: Flask) -> dict[str, int]:
    """A clerk's, an admin's and officers' events around midnight in the office; the staff's ids."""
    staff = {role: user_id(app, role) for role in ("clerk", "admin", "viewer")}
    add(app, "circular.registered", "2024-03-05 04:30", staff["clerk"], reference_no="T-28/27/2025")
    add(app, "endorsement.issued", "2024-03-10 18:29", staff["admin"])  # 23:59 on the 10th in the office
    add(app, "recipient.acknowledged", "2024-03-10 18:31", response="aligned")  # 00:01 on the 11th
    add(app, "recipient.acknowledged", "2024-03-12 06:00", response="mismatch")
    add(app, "endorsement.reminded", "2024-03-12 07:00", staff["clerk"], recipients=3)
    return staff


def found(app: Flask, **given: str) -> list[str]:
    """The actions the filters find, newest first (the staff's own creation, recorded now, left out)."""
    with app.app_context():
        rows, total = audit_log.events(db.session, audit_log.filters_from(given, per_page=200), OFFICE)
        actions = [event.action for event in rows if event.action != "user.created"]
        assert total == len(rows)
        return actions


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


def test_filtered_by_who(app: Flask, log: dict[str, int]):
    assert found(app, who=str(log["clerk"])) == ["endorsement.reminded", "circular.registered"]
    assert found(app, who=str(log["admin"])) == ["endorsement.issued"]
    assert found(app, who="officers") == ["recipient.acknowledged"] * 2
    assert found(app, who="system") == found(app, who="officers")
    assert found(app, who=str(log["viewer"])) == []  # made by the system: nothing of their own
    with app.app_context():
        created = audit_log.events(db.session, audit_log.filters_from({"who": "system", "what": "user."}), OFFICE)
        assert [event.action for event in created[0]] == ["user.created"] * 3 and created[1] == 3


def test_filtered_by_action_or_kind_of_action(app: Flask, log: dict[str, int]):
    assert found(app, what="endorsement.issued") == ["endorsement.issued"]
    assert found(app, what="endorsement.") == ["endorsement.reminded", "endorsement.issued"]
    assert found(app, what="recipient.") == ["recipient.acknowledged"] * 2
    assert found(app, what="endorsement") == []  # without its dot, the name of an action there is none of
    assert found(app, what="circular.", who=str(log["admin"])) == []


def test_filtered_by_the_office_days(app: Flask, log: dict[str, int]):
    assert found(app, **{"from": "2024-03-10", "to": "2024-03-10"}) == ["endorsement.issued"]
    assert found(app, **{"from": "2024-03-11", "to": "2024-03-11"}) == ["recipient.acknowledged"]
    assert found(app, to="2024-03-10") == ["endorsement.issued", "circular.registered"]
    assert found(app, **{"from": "2024-03-12", "to": "2024-03-31"}) == [
        "endorsement.reminded",
        "recipient.acknowledged",
    ]
    assert found(app, **{"from": "2024-03-06", "to": "2024-03-09"}) == []


def test_one_page_at_a_time_newest_first_with_the_actor(app: Flask, log: dict[str, int]):
    with app.app_context():
        pages = [audit_log.events(db.session, audit_log.AuditFilters(page=n, per_page=3), OFFICE) for n in (1, 2, 3, 4)]
        db.session.expunge_all()  # each event's actor was loaded with it, not when the page asks
    assert [total for _, total in pages] == [8] * 4  # the 5 above and the 3 staff created (now: the newest)
    shown = [[(e.action, e.actor.name if e.actor else None) for e in rows] for rows, _ in pages]
    assert shown == [
        [("user.created", None)] * 3,
        [("endorsement.reminded", "Clerk"), ("recipient.acknowledged", None), ("recipient.acknowledged", None)],
        [("endorsement.issued", "Admin"), ("circular.registered", "Clerk")],
        [],
    ]


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"who": "nobody"}, "who", "Who must be a staff member"),
        ({"who": "0"}, "who", "Who must be a staff member"),
        ({"what": "recipient.%"}, "what", "What must be an action"),
        ({"what": "Recipient.Acknowledged"}, "what", "What must be an action"),
        ({"what": "x" * 65}, "what", "What must be an action"),
        ({"from": "2024-02-30"}, "from", "From must be a date"),
        ({"to": "tomorrow"}, "to", "To must be a date"),
        ({"from": "2024-03-12", "to": "2024-03-11"}, "to", "From must not be after To"),
    ],
)
def test_filters_that_make_no_sense_are_refused(given: dict[str, str], field: str, message: str):
    with pytest.raises(Invalid, match=message) as refused:
        audit_log.filters_from(given)
    assert refused.value.field == field


def test_pages_and_staff_that_do_not_exist_are_refused(app: Flask, log: dict[str, int]):
    for page, per_page in ((0, 50), (1, 0), (1, audit_log.MAX_PER_PAGE + 1)):
        with pytest.raises(Invalid, match="Pages start at 1"):
            audit_log.AuditFilters(page=page, per_page=per_page)
    with app.app_context(), pytest.raises(Invalid, match="No staff member has that id"):
        audit_log.events(db.session, audit_log.filters_from({"who": "999"}), OFFICE)


def test_choices_are_the_staff_and_actions_in_the_log(app: Flask, log: dict[str, int]):
    with app.app_context():
        offered = audit_log.choices(db.session)
        assert [user.name for user in offered.staff] == ["Admin", "Clerk"]  # the viewer did nothing yet
        assert offered.actions == [
            "circular.registered",
            "endorsement.issued",
            "endorsement.reminded",
            "recipient.acknowledged",
            "user.created",
        ]
        assert offered.kinds == ["circular.", "endorsement.", "recipient.", "user."]


def test_details_read_as_key_and_value():
    details = {
        "reference_no": "T-28/27/2025",
        "changes": {"active": [True, False], "posting": ["", "DC Karnal"]},
        "changed": {"subject": {"from": "Old", "to": "New"}},
        "recipients": 3,
        "at_most": None,
        "where": {"address": "10.0.0.1"},
        "ids": [1, 2],
    }
    assert audit_log.readable(details) == [
        ("reference no", "T-28/27/2025"),
        ("changes › active", "yes → no"),
        ("changes › posting", "— → DC Karnal"),
        ("changed › subject", "Old → New"),
        ("recipients", "3"),
        ("at most", "—"),
        ("where › address", "10.0.0.1"),
        ("ids", "1, 2"),
    ]


def test_only_admins_see_the_log(app: Flask, client: Client, auth: Auth):
    response = client.get("/audit?who=officers")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    for role in ("clerk", "viewer"):
        auth.login(role)
        assert client.get("/audit").status_code == 403
        assert "Audit log" not in client.get("/").get_data(as_text=True)
        auth.logout()
    auth.login("admin")
    assert client.get("/audit").status_code == 200
    assert 'href="/audit">Audit log</a>' in client.get("/").get_data(as_text=True)


def test_no_route_changes_the_log(app: Flask, client: Client, auth: Auth):
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("audit.")]
    assert [(rule.rule, rule.methods) for rule in rules] == [("/audit", {"GET", "HEAD", "OPTIONS"})]
    auth.login("admin")
    token = client.csrf_token("/audit")
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.open("/audit", method=method, data={"csrf_token": token}).status_code == 405


def test_the_log_page_shows_who_did_what_and_when(app: Flask, client: Client, auth: Auth, log: dict[str, int]):
    auth.login("admin")
    page = client.get("/audit").get_data(as_text=True)
    assert "11.03.2024 00:01" in page and "10.03.2024 23:59" in page  # the office's time, not UTC
    assert "An officer" in page and "The system" in page and ">Clerk<" in page
    assert "<dt>response</dt><dd>aligned</dd>" in page and "<dt>reference no</dt><dd>T-28/27/2025</dd>" in page
    assert '<a href="/circulars/1">#1</a>' in page
    assert page.index("<code>endorsement.reminded") < page.index("<code>circular.registered")  # newest first
    # The filters offer the staff who appear and the actions there are, by kind and one by one.
    options = dict(re.findall(r'<option value="([^"]*)"\s*>([^<]*)</option>', page))
    assert options[str(log["clerk"])] == "Clerk (clerk@parcell.hry.gov.in)" and str(log["viewer"]) not in options
    assert options["recipient."] == "recipient.*" and options["endorsement.issued"] == "endorsement.issued"


def test_the_log_page_filters(app: Flask, client: Client, auth: Auth, log: dict[str, int]):
    auth.login("admin")
    page = client.get("/audit?who=officers&what=recipient.").get_data(as_text=True)
    assert page.count("<code>recipient.acknowledged</code>") == 2 and "<code>endorsement." not in page
    assert 'value="officers" selected' in page and 'value="recipient." selected' in page
    page = client.get(f"/audit?who={log['clerk']}&from=2024-03-12&to=2024-03-12").get_data(as_text=True)
    assert "<code>endorsement.reminded</code>" in page and page.count("<code>") == 1
    assert 'value="2024-03-12"' in page


def test_the_log_page_is_paged_and_keeps_its_filters(app: Flask, client: Client, auth: Auth):
    for n in range(55):
        add(app, "recipient.acknowledged", f"2024-03-01 10:{n:02d}", response=str(n))
    auth.login("admin")
    first = client.get("/audit?who=officers&what=recipient.acknowledged").get_data(as_text=True)
    assert first.count("<code>recipient.acknowledged</code>") == 50 and "Page 1 of 2" in first
    assert "/audit?page=2&amp;who=officers&amp;what=recipient.acknowledged" in first
    second = client.get("/audit?page=2&who=officers&what=recipient.acknowledged").get_data(as_text=True)
    assert second.count("<code>recipient.acknowledged</code>") == 5 and "Page 2 of 2" in second
    assert "<dd>0</dd>" in second and "<dd>54</dd>" not in second  # the oldest last
    past = client.get("/audit?page=3&who=officers")
    assert past.status_code == 302 and past.headers["Location"] == "/audit?page=2&who=officers"


def test_the_log_page_says_when_nothing_matches(app: Flask, client: Client, auth: Auth, log: dict[str, int]):
    auth.login("admin")
    page = client.get("/audit?what=circular.registered&from=2024-03-06").get_data(as_text=True)
    assert "No event matches" in page and "<table" not in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("who=nobody", "Who must be a staff member"),
        ("who=999", "No staff member has that id"),
        ("from=2024-03-12&to=2024-03-11", "From must not be after To"),
        ("what=%25", "What must be an action"),
    ],
)
def test_the_log_page_refuses_filters_that_make_no_sense(client: Client, auth: Auth, query: str, message: str):
    auth.login("admin")
    response = client.get(f"/audit?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert "Nothing shown" in page and "<table" not in page and 'id="who"' in page  # the form, to correct it


def test_the_log_page_names_the_officer_who_answered(app: Flask, client: Client, auth: Auth):
    _, first, _ = answered_letter(app, client)
    with app.app_context():
        name = db.session.scalars(sa.select(Recipient.name).where(Recipient.email == first)).one()
    auth.login("admin")
    page = client.get("/audit?what=recipient.acknowledged").get_data(as_text=True)
    link = f'href="/endorsements/1?q={name.replace(" ", "+")}">{name}</a> on letter #1'
    assert link in page
