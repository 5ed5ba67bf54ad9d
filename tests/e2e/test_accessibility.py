"""Accessibility: axe-core finds no serious or critical violation on any page, and every control is reached by Tab."""

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page

from models import Circular, Endorsement, Officer, Recipient, User, db
from services import postbox
from tests import igot_exports as igot
from tests.conftest import sample
from tests.e2e.conftest import PHONE, Pages, shot
from tests.e2e.test_browser import Login, sent_endorsement

# axe-core 4.10.3 from the npm registry (MPL-2.0, its licence at the top of the file), injected by the test: the
# app's own pages carry no script of it, and the test's browser context lets it past the app's CSP.
AXE = Path(__file__).with_name("axe.min.js")
SERIOUS = ("serious", "critical")

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))
  }));
}"""

# Every control a person can use: what Tab must reach (a group of radio buttons is one stop: arrows move in it).
CONTROLS = """() => new Set([...document.querySelectorAll("a[href], button, input, select, textarea, summary")]
  .filter(el => el.type !== "hidden" && !el.disabled && (el.offsetParent !== null || el.getClientRects().length))
  .map(el => el.type === "radio" ? "radio:" + el.name : el)).size"""

TAB_REACHES = """() => {
  const seen = new Set(window.__tabbed || []);
  seen.add(document.activeElement);
  window.__tabbed = [...seen];
  return seen.size;
}"""


def serious_violations(page: Page) -> list[dict[str, object]]:
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in SERIOUS]


def check(page: Page, path: str) -> list[str]:
    """The page's serious violations; and a screenshot of it, so that a person can look at every page."""
    page.goto(path)
    found = [f"{path}: {json.dumps(v)}" for v in serious_violations(page)]
    named = re.sub(r"^https?://[^/]+|(?<=/a/)[\w-]+", "", path)  # an officer's link is named by its page
    shot(page, "a11y" + re.sub(r"[^A-Za-z0-9]+", "-", named).rstrip("-"))
    return found


def staff_pages(app: Flask, endorsement_id: int, headers: dict[str, str]) -> list[str]:
    with app.app_context():
        circular_id = db.session.scalar(db.select(Circular.id))
        officer_id = db.session.scalar(db.select(Officer.id))
        admin_id = db.session.scalar(db.select(User.id).where(User.role == "admin"))
        recipient_id = db.session.scalar(db.select(Recipient.id))
        code = db.session.scalar(db.select(Endorsement.verify_code).where(Endorsement.id == endorsement_id))
        mail = postbox.mailbox_items()[0].key
    # iGOT's sample report, reconciled with the roster through the API.
    export = {"file": (io.BytesIO(sample("igot-all-reports.zip")), "all.zip"), "password": igot.PASSWORD}
    reconciled = app.test_client().post("/api/v1/reconciliations", data=export, headers=headers)
    assert reconciled.status_code == 201, reconciled.json
    return [
        "/igot/",
        f"/igot/{reconciled.json['id']}",
        "/circulars/",
        "/circulars/new",
        f"/circulars/{circular_id}",
        f"/circulars/{circular_id}/edit",
        f"/circulars/{circular_id}/endorsements/new",
        "/officers/",
        "/officers/new",
        "/officers/import",
        f"/officers/{officer_id}",
        f"/officers/{officer_id}/edit",
        "/endorsements/",
        f"/endorsements/{endorsement_id}",
        f"/endorsements/{endorsement_id}?state=mismatch",
        "/approvals",
        "/mismatches/",
        "/audit",
        "/office",
        "/mailbox/",
        f"/mailbox/{mail}",
        f"/endorsements/{endorsement_id}/recipients/{recipient_id}/by-hand",
        f"/v/{code}",  # public, but every page is checked the same way
        "/staff/",
        f"/staff/{admin_id}",
        "/account",
    ]


@pytest.fixture
def sent(app: Flask) -> tuple[int, list[str]]:
    return sent_endorsement(app)


def test_no_staff_page_has_a_serious_violation(
    app: Flask, pages: Pages, staff: Login, sent: tuple[int, list[str]], api_token: Any
):
    endorsement_id, _ = sent
    page = pages.new(bypass_csp=True)
    page.goto("/login")
    found = [f"/login: {json.dumps(v)}" for v in serious_violations(page)]
    staff(page, "admin")
    for path in staff_pages(app, endorsement_id, api_token("admin")):
        found += check(page, path)
    assert found == []


def test_the_officers_and_public_pages_have_no_serious_violation(pages: Pages, sent: tuple[int, list[str]]):
    _, links = sent
    found: list[str] = []
    for lang in ("en", "hi"):
        phone = pages.new(**PHONE, bypass_csp=True)
        found += check(phone, f"{links[0]}?lang={lang}")
    phone.get_by_role("button", name="भेजें").click()  # unanswered: the form says what is missing
    found += [f"answer refused: {json.dumps(v)}" for v in serious_violations(phone)]
    found += check(phone, "/a/no-such-token")
    found += check(phone, "/password/no-such-link")
    assert found == []


def test_every_control_is_reached_by_the_keyboard(pages: Pages, staff: Login, sent: tuple[int, list[str]]):
    _, links = sent
    for path, login in ((links[0], False), ("/officers/import", True)):
        page = pages.new()
        if login:
            staff(page, "clerk")
        page.goto(path)
        controls = page.evaluate(CONTROLS)
        reached = 0
        for _ in range(controls + 5):
            page.keyboard.press("Tab")
            reached = page.evaluate(TAB_REACHES)
        # Each control once, and the page itself when focus wraps past the last.
        assert reached >= controls, f"{path}: Tab reached {reached} of {controls} controls"


def test_the_check_finds_what_it_should(pages: Pages):
    page = pages.new()
    page.set_content('<html lang="en"><title>t</title><main><button></button><input id="x"></main></html>')
    assert {v["id"] for v in serious_violations(page)} >= {"button-name", "label"}
