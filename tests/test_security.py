"""What every response promises the browser: the headers, the hosts answered, the session cookie, no inline code."""

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app import settings_from_env
from tests.conftest import PASSWORD, Auth, Client, sqlite_only

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def policy(response: Any) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    return {name: value for name, value in directives}


@sqlite_only  # the web layer's own behaviour: the database plays no part
def test_every_page_carries_the_headers(client: Client, auth: Auth):
    auth.login("viewer")
    for page in ("/", "/login", "/healthz", "/static/pavati.css", "/no/such/page", "/api/v1/officers", "/a/x"):
        response = client.get(page)
        csp = policy(response)
        assert csp["default-src"] == "'self'" and csp["script-src"] == "'self'", page
        assert csp["frame-ancestors"] == "'none'", page
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"], page
        assert response.headers["X-Content-Type-Options"] == "nosniff", page
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000", page


@sqlite_only
def test_no_hsts_while_the_site_is_plain_http(app: Flask, client: Client):
    app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"
    assert "Strict-Transport-Security" not in client.get("/login").headers


# Emails and PDFs are not shown under the site's policy: their styles may be inline.
NOT_PAGES = ("email", "letters", "reports")


@pytest.mark.parametrize(
    "template",
    [path for path in sorted(TEMPLATES.rglob("*.html")) if path.relative_to(TEMPLATES).parts[0] not in NOT_PAGES],
    ids=str,
)
def test_pages_have_no_inline_script_or_style(template: Path):
    # The policy would block them, and the page would quietly lose them: scripts and styles go in static/.
    html = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"<style\b", html), "<style> element"
    assert not re.search(r"\sstyle\s*=", html), "style attribute"
    assert not re.search(r"\son[a-z]+\s*=", html), "event handler attribute"
    assert "javascript:" not in html


def test_trusted_hosts_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("TRUSTED_HOSTS", " pavati.hry.gov.in, .nic.in ,")
    assert settings_from_env(str(tmp_path))["TRUSTED_HOSTS"] == ["pavati.hry.gov.in", ".nic.in"]
    monkeypatch.setenv("TRUSTED_HOSTS", "")
    assert settings_from_env(str(tmp_path))["TRUSTED_HOSTS"] is None  # answers any Host, as in development


@sqlite_only
def test_a_request_for_another_host_is_refused(app: Flask, client: Client):
    app.config["TRUSTED_HOSTS"] = ["pavati.hry.gov.in", "127.0.0.1"]
    assert client.get("/healthz", base_url="https://pavati.hry.gov.in").status_code == 200
    assert client.get("/healthz", base_url="http://127.0.0.1:8000").status_code == 200  # a port does not matter
    for host in ("evil.example.com", "pavati.hry.gov.in.evil.example.com", "localhost"):
        page = client.get("/login", base_url=f"https://{host}")
        # A plain answer: the error page's links cannot be built for a host the app does not serve.
        assert page.status_code == 400 and "is not trusted" in page.get_data(as_text=True), host
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        api = client.get("/api/v1/officers", base_url=f"https://{host}")
        assert api.status_code == 400 and "is not trusted" in api.json["error"], host


@pytest.mark.parametrize(
    ("environment", "secure"),
    [
        ({"PUBLIC_BASE_URL": "https://pavati.hry.gov.in"}, True),
        ({"PUBLIC_BASE_URL": "http://127.0.0.1:5000"}, False),
        ({"PUBLIC_BASE_URL": "http://127.0.0.1:5000", "SESSION_COOKIE_SECURE": "1"}, True),
    ],
)
def test_cookies_are_secure_behind_https(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, environment: dict[str, str], secure: bool
):
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = settings_from_env(str(tmp_path))
    assert settings["SESSION_COOKIE_SECURE"] is secure and settings["REMEMBER_COOKIE_SECURE"] is secure


@sqlite_only
def test_the_session_cookie_is_secure_httponly_and_lax(app: Flask, client: Client, auth: Auth):
    app.config["SESSION_COOKIE_SECURE"] = True  # as settings_from_env makes it behind https
    client.environ_base["wsgi.url_scheme"] = "https"
    auth.login("clerk")
    auth.logout()
    response = client.submit("/login", {"email": "clerk@parcell.hry.gov.in", "password": PASSWORD})
    assert response.status_code == 302
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    for cookie in cookies:
        flags = {flag.strip().lower() for flag in cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite=lax"} <= flags, cookie
