"""Staff administration: invitations and resets by one-time link, roles, deactivation, the last admin, tokens."""

import re
import threading
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from models import ApiToken, AuditEvent, PasswordLink, User, db, utcnow
from services import accounts, jobs, staff
from services.errors import Conflict
from tests.conftest import PASSWORD, Auth, Client, Inbox, make_user, settle, sqlite_only

NEW = "new.clerk@parcell.hry.gov.in"
NEW_PASSWORD = "my own new password"


@pytest.fixture
def app_config(smtp_app_config: dict[str, Any]) -> dict[str, Any]:
    return smtp_app_config


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        return accounts.find_user(db.session, email).id


def link_in(message: EmailMessage) -> str:
    """The path of the password link in an email (its text and HTML bodies carry the same one)."""
    bodies = [part.get_content() for part in message.walk() if part.get_content_maintype() == "text"]
    found = {m for body in bodies for m in re.findall(r"https://pavati\.example\.gov\.in(/password/[\w-]+)", body)}
    assert len(found) == 1, bodies
    return found.pop()


def invite(app: Flask, client: Client, inbox: Inbox, email: str = NEW, role: str = "clerk") -> str:
    """Invite through the staff page (an admin is logged in); the path of the link the invitee gets."""
    before = len(inbox.messages)
    response = client.submit("/staff/", {"name": "New Clerk", "email": email, "role": role})
    assert response.status_code == 302, response.get_data(as_text=True)
    settle(app)
    inbox.wait_for(before + 1)
    return link_in(inbox.to(email)[-1])


def events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_an_invitation_is_emailed_and_its_link_sets_the_password_once(
    app: Flask, client: Client, auth: Auth, smtp: tuple[Inbox, int]
):
    auth.login("admin")
    admin = user_id(app, "admin@parcell.hry.gov.in")
    path = invite(app, client, smtp[0])
    (message,) = smtp[0].to(NEW)
    assert message["Subject"] == staff.SUBJECTS["invitation"] and "72 hours" in message.get_body().get_content()  # type: ignore[union-attr]
    page = client.get("/staff/").get_data(as_text=True)
    assert NEW in page and "sent" in page
    auth.logout()
    # The invitee cannot log in before setting a password; opening the page records nothing.
    guess = client.submit("/login", {"email": NEW, "password": "a guess at it"})
    assert "Wrong email or password" in guess.get_data(as_text=True)
    with app.app_context():
        counted = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    opened = client.get(path)
    assert opened.status_code == 200 and "Set your password" in opened.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == counted
        assert db.session.scalar(sa.select(PasswordLink.used_at)) is None
    # The password rules are set_password's; a refused one leaves the link usable.
    short = client.submit(path, {"password": "short", "confirm": "short"})
    assert short.status_code == 422 and "at least 10" in short.get_data(as_text=True)
    done = client.submit(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert client.submit("/login", {"email": NEW, "password": NEW_PASSWORD}).status_code == 302
    auth.logout()
    # Used: dead, on opening and on posting.
    assert client.get(path).status_code == 404
    form = {"password": "x" * 12, "confirm": "x" * 12}
    assert client.submit("/login", form, action=path).status_code == 404
    (sent,) = events(app, "user.invitation_sent")
    (created,) = [e for e in events(app, "user.created") if e.entity_id == user_id(app, NEW)]
    assert sent.actor_id == created.actor_id == admin
    (used,) = events(app, "user.password_link_used")
    assert used.actor_id == used.entity_id == user_id(app, NEW)


@sqlite_only
def test_unknown_used_and_expired_links_show_the_same_clear_page(app: Flask, client: Client, smtp: tuple[Inbox, int]):
    make_user(app, NEW, "clerk")
    make_user(app, "admin@parcell.hry.gov.in", "admin")
    admin = user_id(app, "admin@parcell.hry.gov.in")
    with app.app_context():
        staff.reset_password(db.session, user_id(app, NEW), admin)
        db.session.commit()
    settle(app)
    smtp[0].wait_for(1)
    path = link_in(smtp[0].messages[0])
    with app.app_context():
        db.session.execute(sa.update(PasswordLink).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    pages = [client.get(p) for p in (path, "/password/not-a-token", "/password/" + "x" * 500)]
    assert {p.status_code for p in pages} == {404}
    texts = {p.get_data(as_text=True) for p in pages}
    assert len(texts) == 1 and "expired or has been used" in texts.pop()
    # The old password still works: it was never replaced.
    assert client.submit("/login", {"email": NEW, "password": PASSWORD}).status_code == 302


def test_a_reset_keeps_the_old_password_until_used_then_ends_every_session(
    app: Flask, client: Client, auth: Auth, smtp: tuple[Inbox, int]
):
    auth.login("clerk")  # the clerk's own session, which the reset must end
    clerk = user_id(app, "clerk@parcell.hry.gov.in")
    with app.app_context():
        token = accounts.issue_api_token(db.session, clerk)
        db.session.commit()
    make_user(app, "admin@parcell.hry.gov.in", "admin")
    admin_client = app.test_client()
    assert isinstance(admin_client, Client)
    Auth(app, admin_client).login("admin")
    admin_client.submit(f"/staff/{clerk}", {}, action=f"/staff/{clerk}/reset")
    admin_client.submit(f"/staff/{clerk}", {}, action=f"/staff/{clerk}/reset")  # a second: only it works
    settle(app)
    smtp[0].wait_for(2)
    assert client.get("/").status_code == 200  # nothing has changed yet
    # The two emails may arrive in either order: of their links only one opens, and it is the later one's.
    opens = {link: client.get(link).status_code for link in map(link_in, smtp[0].to("clerk@parcell.hry.gov.in"))}
    assert sorted(opens.values()) == [200, 404]
    second = next(link for link, status in opens.items() if status == 200)
    with app.app_context():
        newest = db.session.scalar(sa.select(sa.func.max(PasswordLink.id)).where(PasswordLink.user_id == clerk))
        assert staff.password_link(db.session, second.rsplit("/", 1)[1]).id == newest
    assert client.submit(second, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert client.get("/").status_code == 302  # the clerk's session ended
    assert client.get("/api/v1/circulars", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.submit("/login", {"email": "clerk@parcell.hry.gov.in", "password": PASSWORD}).status_code == 200
    assert client.submit("/login", {"email": "clerk@parcell.hry.gov.in", "password": NEW_PASSWORD}).status_code == 302
    assert {e.actor_id for e in events(app, "user.reset_sent")} == {user_id(app, "admin@parcell.hry.gov.in")}


def test_a_refused_email_is_shown_on_the_staff_page(app: Flask, client: Client, auth: Auth, smtp: tuple[Inbox, int]):
    smtp[0].refuse.add("nobody@parcell.hry.gov.in")
    auth.login("admin")
    client.submit("/staff/", {"name": "Nobody", "email": "nobody@parcell.hry.gov.in", "role": "viewer"})
    settle(app)
    page = client.get("/staff/").get_data(as_text=True)
    assert "email failed" in page and "No such user here" in page
    # Sent again once the address is put right: still the invitation, not a reset.
    smtp[0].refuse.clear()
    invited = user_id(app, "nobody@parcell.hry.gov.in")
    assert "Send the invitation again" in client.get(f"/staff/{invited}").get_data(as_text=True)
    client.submit(f"/staff/{invited}", {}, action=f"/staff/{invited}/reset")
    settle(app)
    smtp[0].wait_for(1)
    assert smtp[0].messages[0]["Subject"] == staff.SUBJECTS["invitation"]


def test_the_last_active_admin_cannot_demote_or_deactivate_themselves(app: Flask, client: Client, auth: Auth):
    auth.login("admin")
    admin = user_id(app, "admin@parcell.hry.gov.in")
    refused = client.submit(f"/staff/{admin}", {"role": "clerk"}, action=f"/staff/{admin}/role", follow_redirects=True)
    assert staff.LAST_ADMIN in refused.get_data(as_text=True)
    refused = client.submit(f"/staff/{admin}", {}, action=f"/staff/{admin}/deactivate", follow_redirects=True)
    assert staff.LAST_ADMIN in refused.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, admin)
        assert user is not None and (user.role, user.active) == ("admin", True)
    # With a second admin, the first may step down.
    make_user(app, "second.admin@parcell.hry.gov.in", "admin")
    client.submit(f"/staff/{admin}", {"role": "clerk"}, action=f"/staff/{admin}/role")
    assert client.get("/staff/").status_code == 403
    (changed,) = events(app, "user.role_changed")
    assert (changed.actor_id, changed.details) == (admin, {"before": "admin", "after": "clerk"})


def test_two_admins_demoting_each_other_at_once_leave_one(app: Flask):
    for email in ("a@parcell.hry.gov.in", "b@parcell.hry.gov.in"):
        make_user(app, email, "admin")
    a, b = user_id(app, "a@parcell.hry.gov.in"), user_id(app, "b@parcell.hry.gov.in")
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def demote(target: int, actor: int) -> None:
        with app.app_context():
            start.wait()
            try:
                staff.change_role(db.session, target, "clerk", actor)
                db.session.commit()
                outcomes.append("done")
            except (Conflict, sa.exc.OperationalError):
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=demote, args=pair) for pair in ((a, b), (b, a))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(User.role == "admin")) == 1
    assert sorted(outcomes) == ["done", "refused"]


def test_deactivation_ends_sessions_tokens_and_links_and_reactivation_restores_login(
    app: Flask, client: Client, auth: Auth
):
    auth.login("clerk")
    clerk = user_id(app, "clerk@parcell.hry.gov.in")
    with app.app_context():
        token = accounts.issue_api_token(db.session, clerk)
        db.session.commit()
    make_user(app, "admin@parcell.hry.gov.in", "admin")
    admin_client = app.test_client()
    Auth(app, admin_client).login("admin")  # type: ignore[arg-type]
    admin_client.submit(f"/staff/{clerk}", {}, action=f"/staff/{clerk}/reset")  # type: ignore[attr-defined]
    admin_client.submit(f"/staff/{clerk}", {}, action=f"/staff/{clerk}/deactivate")  # type: ignore[attr-defined]
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/circulars", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    with app.app_context():
        link = db.session.scalar(sa.select(PasswordLink))
        assert link is not None and not staff._live(link)
    assert "deactivated" in admin_client.get("/staff/").get_data(as_text=True)
    assert "Wrong email" in auth.login("clerk").get_data(as_text=True)
    admin_client.submit(f"/staff/{clerk}", {}, action=f"/staff/{clerk}/reactivate")  # type: ignore[attr-defined]
    assert "Welcome" in auth.login("clerk").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.revoked)) is True  # tokens stay revoked
    admin = user_id(app, "admin@parcell.hry.gov.in")
    assert [e.actor_id for e in events(app, "user.deactivated")] == [admin]
    assert [e.actor_id for e in events(app, "user.reactivated")] == [admin]


def test_an_admin_revokes_a_users_token_on_the_staff_page(app: Flask, client: Client, auth: Auth):
    make_user(app, "clerk@parcell.hry.gov.in", "clerk")
    clerk = user_id(app, "clerk@parcell.hry.gov.in")
    with app.app_context():
        kept, revoked = accounts.issue_api_token(db.session, clerk), accounts.issue_api_token(db.session, clerk)
        db.session.commit()
        token_ids = list(db.session.scalars(sa.select(ApiToken.id).order_by(ApiToken.id)))
    assert client.get("/api/v1/circulars", headers={"Authorization": f"Bearer {revoked}"}).status_code == 200
    auth.login("admin")
    page = client.get(f"/staff/{clerk}").get_data(as_text=True)
    assert f"Revoke token #{token_ids[1]}" in page and "never" not in page.split(f"#{token_ids[1]}")[1][:400]
    client.submit(f"/staff/{clerk}", {}, action=f"/staff/{clerk}/tokens/{token_ids[1]}/revoke")
    # A token named under another account's page is not found there.
    admin = user_id(app, "admin@parcell.hry.gov.in")
    wrong = client.submit(f"/staff/{clerk}", {}, action=f"/staff/{admin}/tokens/{token_ids[0]}/revoke")
    assert "No such API token" in client.get(wrong.headers["Location"]).get_data(as_text=True)
    assert client.get("/api/v1/circulars", headers={"Authorization": f"Bearer {revoked}"}).status_code == 401
    assert client.get("/api/v1/circulars", headers={"Authorization": f"Bearer {kept}"}).status_code == 200
    (event,) = [e for e in events(app, "api_token.revoked") if e.details.get("token_id") == token_ids[1]]
    assert event.actor_id == admin


@sqlite_only
def test_staff_routes_are_for_admins_only_and_need_the_csrf_token(app: Flask, client: Client, auth: Auth):
    make_user(app, "clerk@parcell.hry.gov.in", "clerk")
    clerk = user_id(app, "clerk@parcell.hry.gov.in")
    gets = ["/staff/", f"/staff/{clerk}"]
    posts = [f"/staff/{clerk}/{action}" for action in ("role", "deactivate", "reactivate", "reset")]
    posts += ["/staff/", f"/staff/{clerk}/tokens/1/revoke"]
    anonymous = {"csrf_token": client.csrf_token("/login")}
    for path in gets + posts:
        response = client.get(path) if path in gets else client.post(path, data=anonymous)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    for role in ("viewer", "clerk", "approver"):
        auth.login(role)
        token = client.csrf_token("/account")
        assert all(client.get(path).status_code == 403 for path in gets)
        assert all(client.post(path, data={"csrf_token": token, "role": "admin"}).status_code == 403 for path in posts)
        assert 'href="/staff/"' not in client.get("/").get_data(as_text=True)
        auth.logout()
    auth.login("admin")
    assert 'href="/staff/"' in client.get("/").get_data(as_text=True)
    for path in posts:
        assert client.post(path, data={"role": "admin", "name": "X", "email": "x@hry.gov.in"}).status_code == 400, path
    with app.app_context():
        assert db.session.get(User, clerk).role == "clerk"  # type: ignore[union-attr]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 4  # nobody invited


@sqlite_only
def test_an_invitation_to_a_known_email_is_refused_beside_the_field(app: Flask, client: Client, auth: Auth):
    auth.login("admin")
    response = client.submit("/staff/", {"name": "Again", "email": "admin@parcell.hry.gov.in", "role": "clerk"})
    assert response.status_code == 422 and "already exists" in response.get_data(as_text=True)
    with app.app_context():
        assert jobs.executor().wait(5)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordLink)) == 0
