"""Logging in and out, the CSRF secret around them, and the headers every response carries."""

import http.client
import re
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

from routes.auth import safe_next
from services import accounts
from tests.conftest import PASSWORD, Auth, Client, make_user

CLERK = "clerk@parcell.hry.gov.in"


def flash_of(response: object) -> list[str]:
    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    return re.findall(r'<li class="flash[^"]*"[^>]*>([^<]*)</li>', html)


@pytest.mark.parametrize(
    "target",
    [
        "/\r\nSet-Cookie:x=1",
        "/\t/evil.example.com",
        "/\n/evil.example.com",
        "/ /evil.example.com",
        "/\x00",
        "//evil.example.com",
        "/\\evil.example.com",
        "https://evil.example.com/",
        "javascript:alert(1)",
        "evil.example.com",
        "/\u2028x",
        "",
    ],
)
def test_next_refuses_anything_but_a_plain_local_path(app: Flask, target: str):
    with app.test_request_context():
        assert safe_next(target) == "/"


@pytest.mark.parametrize("target", ["/circulars/3", "/officers/?page=2&q=a%20b", "/endorsements/1#top"])
def test_next_keeps_a_local_path(app: Flask, target: str):
    with app.test_request_context():
        assert safe_next(target) == target


def test_login_with_a_line_break_in_next_goes_home(client: Client, auth: Auth):
    auth.login("clerk")
    auth.logout()
    action = "/login?next=/%0D%0ASet-Cookie:x=1"
    response = client.submit(action, {"email": CLERK, "password": PASSWORD}, action=action)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_form_token_from_before_login_is_refused_after(client: Client, auth: Auth):
    auth.login("clerk")
    auth.logout()
    before = client.csrf_token("/login")
    response = client.post("/login", data={"email": CLERK, "password": PASSWORD, "csrf_token": before})
    assert response.status_code == 302
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    assert client.get("/").status_code == 200  # still logged in: the change was refused
    during = client.csrf_token("/")
    assert client.post("/logout", data={"csrf_token": during}).status_code == 302
    again = client.post("/login", data={"email": CLERK, "password": PASSWORD, "csrf_token": during})
    assert again.status_code == 400


def test_known_and_unknown_emails_get_the_same_words(app: Flask, client: Client):
    make_user(app, CLERK, "clerk")
    said = {}
    for email, address in [(CLERK, "198.51.100.1"), ("nobody@parcell.hry.gov.in", "198.51.100.2")]:
        said[email] = [
            flash_of(
                client.submit("/login", {"email": email, "password": "wrong"}, environ_base={"REMOTE_ADDR": address})
            )
            for _ in range(12)
        ]
    assert said[CLERK] == said["nobody@parcell.hry.gov.in"] == [[accounts.REFUSED]] * 12


def test_one_address_guessing_does_not_hold_up_others(app: Flask, client: Client):
    make_user(app, CLERK, "clerk")
    make_user(app, "viewer@parcell.hry.gov.in", "viewer")
    client.environ_base["REMOTE_ADDR"] = "203.0.113.66"
    for _ in range(6):
        client.submit("/login", {"email": CLERK, "password": "wrong"})
    assert flash_of(client.submit("/login", {"email": CLERK, "password": PASSWORD})) == [accounts.REFUSED]
    client.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    for email in ["viewer@parcell.hry.gov.in", CLERK]:
        assert client.submit("/login", {"email": email, "password": PASSWORD}).status_code == 302
        assert client.submit("/", {}, action="/logout").status_code == 302


def test_staff_pages_downloads_and_api_are_not_stored(client: Client, auth: Auth, api_token: object):
    assert "no-store" in client.get("/login").headers["Cache-Control"]
    auth.login("clerk")
    for url in ["/", "/officers/", "/mailbox/", "/endorsements/999"]:
        assert "no-store" in client.get(url).headers["Cache-Control"], url
    assert client.get("/a/not-a-token").headers["Cache-Control"] == "private, no-store"
    assert "no-store" not in client.get("/static/pavati.css").headers.get("Cache-Control", "")


def test_api_answers_are_not_stored(client: Client, api_token: object):
    headers = api_token()  # type: ignore[operator]
    assert "no-store" in client.get("/api/v1/circulars", headers=headers).headers["Cache-Control"]


@pytest.fixture
def served(app: Flask) -> Iterator[int]:
    """The app on werkzeug's own server (as `flask run` serves it), on a port of its choosing."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    server.server_close()
    thread.join(10)


def test_the_server_does_not_name_its_versions(served: int):
    connection = http.client.HTTPConnection("127.0.0.1", served, timeout=10)
    connection.request("GET", "/login")
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 200
    assert response.msg.get_all("Server") == ["Pavati"]
    assert not re.search(r"werkzeug|python", str(response.msg), re.IGNORECASE)


def test_logout_ends_the_session_even_for_a_copy_of_its_cookie(app: Flask, client: Client, auth: Auth):
    auth.login("clerk")
    cookie = client.get_cookie("session")
    assert cookie is not None
    copy = app.test_client()
    copy.set_cookie("session", cookie.value)
    assert copy.get("/").status_code == 200
    auth.logout()
    assert copy.get("/").status_code == 302
