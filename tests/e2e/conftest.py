"""Browser tests: the real app on a live server, driven by Chromium through Playwright (sync API)."""

import re
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page, expect, sync_playwright
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, make_user

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Screenshots of every page for a person to look at: tests/artifacts/ is kept out of the repository.
SHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screens"
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}

expect.set_options(timeout=10_000)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the browser tests are slow, and the flow tests already cover PostgreSQL."""
    return f"sqlite:///{tmp_path / 'pavati.sqlite'}"


@pytest.fixture
def listening_socket() -> Iterator[socket.socket]:
    """A socket already bound and listening, so the port is known before the app is made (and cannot be taken)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    yield sock
    sock.close()


@pytest.fixture
def app_config(app_config: dict[str, Any], listening_socket: socket.socket) -> dict[str, Any]:
    """The officers' links must point at the live server."""
    app_config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{listening_socket.getsockname()[1]}"
    return app_config


@pytest.fixture
def live_server(app: Flask, listening_socket: socket.socket) -> Iterator[str]:
    """The app served over HTTP in a background thread; yields its origin."""
    port = listening_socket.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True, fd=listening_socket.fileno())
    thread = threading.Thread(target=server.serve_forever, name="pavati-live-server", daemon=True)
    thread.start()
    yield app.config["PUBLIC_BASE_URL"]
    server.shutdown()
    server.server_close()
    thread.join(10)


# For this package only: Playwright's sync API keeps an asyncio loop running while it is open, and the tests
# after it run pyHanko, which starts loops of its own.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Pages:
    """Opens pages in fresh browser contexts and collects every console error and uncaught exception."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.errors: list[str] = []
        self._contexts: list[BrowserContext] = []

    def new(self, **options: Any) -> Page:
        """A page in a new context (its own cookies), desktop-sized unless told otherwise."""
        context = self.browser.new_context(base_url=self.base_url, **{**DESKTOP, **options})
        self._contexts.append(context)
        page = context.new_page()
        page.on("console", self._on_console)
        page.on("pageerror", self._on_pageerror)
        return page

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} at {message.location.get('url')}")

    def _on_pageerror(self, error: Error) -> None:
        self.errors.append(f"pageerror: {error.message}")

    def close(self) -> None:
        for context in self._contexts:
            context.close()


@pytest.fixture
def pages(browser: Browser, live_server: str) -> Iterator[Pages]:
    opened = Pages(browser, live_server)
    yield opened
    opened.close()


@pytest.fixture
def staff(app: Flask) -> Callable[[Page, str], None]:
    """Logs a page in as a member of staff of the given role, creating the account the first time."""
    made: set[str] = set()

    def login(page: Page, role: str = "clerk") -> None:
        email = f"{role}@parcell.hry.gov.in"
        if email not in made:
            make_user(app, email, role)
            made.add(email)
        page.goto("/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_text(f"Welcome, {role.title()}.")).to_be_visible()

    return login


def shot(page: Page, name: str) -> None:
    """A full-page screenshot for a person to look at (kept out of the repository)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def register_founding_memo(page: Page, pdf: Path, shots: tuple[str, ...], seconds: float = 5) -> None:
    """Register DoPT's founding memo from `pdf` through the page: upload it, check the particulars read off it, add
    the diary particulars. `shots` names a screenshot of the form filled in, and first, if two are named, one of
    the page while it reads; `seconds` is how long the reading may take (a scan's OCR takes longer)."""
    page.get_by_role("link", name="Register a circular").first.click()
    page.get_by_label("Memo (PDF)").set_input_files(pdf)
    page.get_by_role("button", name="Read the memo").click()
    if len(shots) > 1:
        shot(page, shots[0])
    # The page shows a reading's progress and refreshes itself until the form is filled.
    expect(page.get_by_role("heading", name="Particulars of the circular")).to_be_visible(timeout=seconds * 1000)
    expect(page.get_by_label("Reference number")).to_have_value("T-28/27/2025-iGOT Part(1)")
    expect(page.get_by_label("Dated")).to_have_value("2026-03-03")
    expect(page.get_by_label("Issued by")).to_have_value("Department of Personnel and Training")
    expect(page.get_by_label("Subject")).to_have_value(re.compile("Updation of Email ID on SPARROW"))
    page.get_by_label("Diary number").fill("253/6")
    page.get_by_label("Received on").fill("2026-03-05")
    shot(page, shots[-1])
    page.get_by_role("button", name="Register circular").click()
    expect(page.get_by_text("Circular T-28/27/2025-iGOT Part(1) registered as diary 253/6.")).to_be_visible()


def link_in(text: str, origin: str) -> str:
    """The officer's link in an email's text."""
    match = re.search(re.escape(origin) + r"/a/[A-Za-z0-9_\-]+", text)
    assert match, text
    return match.group(0)
