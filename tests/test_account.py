"""My account: API tokens made, listed and revoked by their owner, and a password change that ends other sessions."""

import re

import pytest
import sqlalchemy as sa
from flask import Flask

from models import ApiToken, AuditEvent, db
from services import accounts
from tests.conftest import PASSWORD, Auth, Client, make_user

NEW_PASSWORD = "my own new password"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_owner_makes_sees_and_revokes_their_tokens(app: Flask, client: Client, auth: Auth):
    auth.login("viewer")
    made = client.submit("/account", {}, action="/account/tokens")
    assert made.status_code == 200
    token = re.search(r"pvt_[\w-]+", made.get_data(as_text=True)).group(0)  # type: ignore[union-attr]
    assert token not in client.get("/account").get_data(as_text=True)  # shown once
    assert client.get("/api/v1/circulars", headers=bearer(token)).status_code == 200
    page = client.get("/account").get_data(as_text=True)
    assert "never" not in page and "Revoke token #1" in page  # its last use is listed
    client.submit("/account", {}, action="/account/tokens/1/revoke")
    assert client.get("/api/v1/circulars", headers=bearer(token)).status_code == 401
    assert "revoked" in client.get("/account").get_data(as_text=True)


def test_an_owner_cannot_revoke_anothers_token(app: Flask, client: Client, auth: Auth):
    make_user(app, "other@parcell.hry.gov.in", "clerk")
    with app.app_context():
        other = accounts.issue_api_token(db.session, accounts.find_user(db.session, "other@parcell.hry.gov.in").id)
        db.session.commit()
    auth.login("clerk")
    response = client.submit("/account", {}, action="/account/tokens/1/revoke", follow_redirects=True)
    assert "No such API token" in response.get_data(as_text=True)
    assert client.get("/api/v1/circulars", headers=bearer(other)).status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_my_account_needs_a_login(client: Client):
    assert "/login" in client.get("/account").headers["Location"]
    token = client.csrf_token("/login")
    for path in ("/account/tokens", "/account/tokens/1/revoke", "/account/password"):
        response = client.post(path, data={"csrf_token": token})
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    assert client.post("/account/tokens").status_code == 400  # and a CSRF token


def test_a_password_change_keeps_this_session_and_ends_the_others(app: Flask, client: Client, auth: Auth):
    auth.login("clerk")
    other = app.test_client()
    Auth(app, other).login("clerk")  # type: ignore[arg-type]
    with app.app_context():
        token = accounts.issue_api_token(db.session, accounts.find_user(db.session, "clerk@parcell.hry.gov.in").id)
        db.session.commit()
    change = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    wrong = client.submit("/account", {**change, "current": "not my password"}, action="/account/password")
    assert wrong.status_code == 422 and "current password is not right" in wrong.get_data(as_text=True)
    differ = client.submit("/account", {**change, "current": PASSWORD, "confirm": "x" * 12}, action="/account/password")
    assert differ.status_code == 422 and "differ" in differ.get_data(as_text=True)
    done = client.submit("/account", {**change, "current": PASSWORD}, action="/account/password")
    assert done.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    assert client.get("/api/v1/circulars", headers=bearer(token)).status_code == 401
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.revoked)) is True
    auth.logout()
    assert "Welcome" in client.submit(
        "/login", {"email": "clerk@parcell.hry.gov.in", "password": NEW_PASSWORD}, follow_redirects=True
    ).get_data(as_text=True)


def test_guessing_the_current_password_waits_as_a_login_would(app: Flask, client: Client, auth: Auth):
    auth.login("clerk")
    change = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    for _ in range(6):  # the pair's free tries (5), then one more: a wait is set
        wrong = client.submit("/account", {**change, "current": "a guess"}, action="/account/password")
        assert wrong.status_code == 422 and "current password is not right" in wrong.get_data(as_text=True)
    right = client.submit("/account", {**change, "current": PASSWORD}, action="/account/password")
    assert right.status_code == 422 and "wait a minute" in right.get_data(as_text=True)
    with app.app_context():
        refused = sa.select(sa.func.count()).where(AuditEvent.action == "user.password_change_refused")
        assert db.session.scalar(refused) == 6
