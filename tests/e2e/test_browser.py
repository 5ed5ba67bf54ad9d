"""End to end in Chromium: the staff flow on a desktop, the officer's page on a phone, and access rules."""

import re
from collections.abc import Callable

from flask import Flask
from playwright.sync_api import Page, expect

from models import Recipient, db
from services import accounts, acknowledgements, jobs
from tests.conftest import MEMO_FIELDS, SAMPLES, api_issue, make_user
from tests.e2e.conftest import PHONE, Pages, link_in, register_founding_memo, shot

Login = Callable[[Page, str], None]
SUBJECT = MEMO_FIELDS["subject"]


def no_horizontal_overflow(page: Page, width: int) -> None:
    page.wait_for_load_state("load")  # measured with the stylesheet applied
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width}px wide on a {width}px screen"


UNLABELLED_INPUTS = """() => [...document.querySelectorAll("input, select, textarea")]
  .filter(el => !["hidden", "submit", "button", "reset", "image"].includes(el.type))
  .filter(el => el.offsetParent !== null || el.getClientRects().length > 0)
  .filter(el => !(el.labels && el.labels.length))
  .filter(el => !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
  .map(el => el.outerHTML)"""


def sent_endorsement(app: Flask) -> tuple[int, list[str]]:
    """Set up through the API, as tests/test_flow.py does: a circular, the roster, an endorsement issued and sent.

    Returns the endorsement's id and every officer's link.
    """
    client = app.test_client()
    make_user(app, "api-clerk@parcell.hry.gov.in", "clerk")
    with app.app_context():
        user = accounts.find_user(db.session, "api-clerk@parcell.hry.gov.in")
        headers = {"Authorization": f"Bearer {accounts.issue_api_token(db.session, user.id)}"}
        db.session.commit()
    endorsement_id = api_issue(
        client,
        headers,
        file_no="No.30/10/2025-1PAR Cell",
        addressee="All the IAS officers in Haryana",
        signatory="Deputy Superintendent",
        ack_kind="email_alignment",
        deadline="2026-03-25",
    )
    assert client.post(f"/api/v1/endorsements/{endorsement_id}/distribute", headers=headers).status_code == 202
    with app.app_context():
        assert jobs.executor().wait(30)
        recipients = db.session.scalars(
            db.select(Recipient).where(Recipient.endorsement_id == endorsement_id).order_by(Recipient.email)
        ).all()
        links = [acknowledgements.link_for(r) for r in recipients]
    return endorsement_id, links


def test_staff_flow_on_a_desktop(pages: Pages, staff: Login, live_server: str):
    page = pages.new()
    page.goto("/login")
    shot(page, "01-login")
    staff(page, "clerk")
    expect(page.get_by_text("No circulars yet")).to_be_visible()
    shot(page, "02-circulars-empty")

    # Register the circular: upload the PDF, check what was read, add the diary particulars.
    register_founding_memo(page, SAMPLES / "dopt-igot-email-om.pdf", ("03-register-form",))

    # Import the roster.
    page.goto("/officers/import")
    page.get_by_label("Roster (Excel or CSV)").set_input_files(SAMPLES / "roster-haryana-ias.csv")
    page.get_by_role("button", name="Check before importing").click()
    expect(page.get_by_role("heading", name="Check before importing")).to_be_visible()
    shot(page, "04-roster-preview")
    page.get_by_role("button", name=re.compile(r"^Import: 40 new, 0 updated")).click()
    expect(page.get_by_text(re.compile(r"Roster imported: 40 new,"))).to_be_visible()
    expect(page.get_by_role("heading", name="Officers (40)")).to_be_visible()
    shot(page, "04-roster")

    # Prepare, issue and send the endorsement.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Circulars").click()
    expect(page.get_by_role("cell", name="253/6")).to_be_visible()
    shot(page, "05-circulars-full")
    page.get_by_role("link", name="T-28/27/2025-iGOT Part(1)").click()
    page.get_by_role("link", name="Prepare endorsement").click()
    expect(page.get_by_label("File number")).to_have_value("No.30/10/2025-1PAR Cell")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved. Preview it, then submit it for approval.")).to_be_visible()
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text("Sent for approval.")).to_be_visible()
    letter_url = page.url
    # The approver finds it in their queue and approves it, which issues it.
    page.get_by_role("button", name=re.compile("^Log out")).click()
    staff(page, "approver")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="To approve").click()
    shot(page, "05-approvals")
    page.get_by_role("link", name="No.30/10/2025-1PAR Cell").click()
    page.get_by_role("button", name="Approve and issue").click()
    expect(page.get_by_text("Approved and issued. The letter can no longer be changed.")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Log out")).click()
    staff(page, "clerk")
    page.goto(letter_url)
    page.get_by_role("button", name="Send to all active officers").click()
    expect(page.get_by_text("Sending to 40 officers.")).to_be_visible()
    # The page refreshes itself every 3 s while anything is queued.
    expect(page.get_by_text("Emails sent: 40 of 40", exact=True)).to_be_visible(timeout=15_000)
    expect(page.get_by_role("link", name="Pending 40")).to_be_visible()
    shot(page, "06-endorsement-progress")

    # The mailbox has each officer's email; the link in it opens their page.
    page.get_by_role("link", name="Mailbox").click()
    expect(page.get_by_role("heading", name="Mailbox")).to_be_visible()
    assert page.locator("tbody tr").count() == 40
    page.locator("tbody tr").first.get_by_role("link").click()
    body = page.locator(".mail-body")
    expect(body).to_contain_text("/a/")
    shot(page, "07-mailbox-message")
    link = link_in(body.inner_text(), live_server)
    to = page.locator(".facts dd").first.inner_text()
    page.goto(link)
    expect(page.get_by_role("heading", name=re.compile("Updation of Email ID"))).to_be_visible()
    sparrow_email = re.search(r"<([^>]+)>", to).group(1)  # type: ignore[union-attr]
    expect(page.locator(".on-record")).to_have_text(sparrow_email)

    assert pages.errors == []


def test_officer_answers_on_a_phone(app: Flask, pages: Pages, staff: Login):
    endorsement_id, links = sent_endorsement(app)
    link = links[0]
    phone = pages.new(**PHONE)
    phone.goto(link)
    expect(phone.get_by_role("heading", name=re.compile("Updation of Email ID"))).to_be_visible()
    no_horizontal_overflow(phone, 390)
    assert phone.evaluate(UNLABELLED_INPUTS) == []
    shot(phone, "08-officer-phone")

    phone.get_by_label("My iGOT Karmayogi email ID is different").check()
    phone.get_by_label("Your email ID on iGOT Karmayogi").fill("a.officer@karmayogi.gov.in")
    phone.get_by_role("button", name="Submit").click()
    expect(phone.get_by_role("heading", name=re.compile("^Thank you, "))).to_be_visible()
    expect(phone.get_by_text("a.officer@karmayogi.gov.in")).to_be_visible()
    no_horizontal_overflow(phone, 390)
    shot(phone, "09-thanks-phone")

    # The link again: the answer is shown, ready to be changed.
    phone.goto(link)
    expect(phone.get_by_text(re.compile("^You answered on "))).to_be_visible()
    expect(phone.get_by_label("My iGOT Karmayogi email ID is different")).to_be_checked()
    expect(phone.get_by_label("Your email ID on iGOT Karmayogi")).to_have_value("a.officer@karmayogi.gov.in")

    # Staff see it.
    desk = pages.new()
    staff(desk, "clerk")
    desk.goto(f"/endorsements/{endorsement_id}")
    expect(desk.get_by_role("link", name="Mismatch 1")).to_be_visible()
    expect(desk.get_by_text("Answered: 1 of 40")).to_be_visible()
    shot(desk, "10-endorsement-mismatch")

    assert pages.errors == []


def test_officer_answers_in_hindi_on_a_phone(app: Flask, pages: Pages):
    _, links = sent_endorsement(app)
    phone = pages.new(**PHONE, locale="hi-IN", extra_http_headers={"Accept-Language": "hi-IN,hi;q=0.9"})
    fonts: list[str] = []
    phone.on("request", lambda request: fonts.append(request.url) if ".woff2" in request.url else None)
    phone.goto(links[1])
    assert phone.evaluate("document.documentElement.lang") == "hi"
    expect(phone.get_by_text("आपका उत्तर")).to_be_visible()
    phone.evaluate("document.fonts.ready")
    assert phone.evaluate("document.fonts.check('16px \"Pavati Devanagari\"', 'आ')")
    assert fonts and all(url.startswith(pages.base_url + "/static/fonts/") for url in fonts)  # our own, no CDN
    no_horizontal_overflow(phone, 390)
    shot(phone, "08b-officer-phone-hindi")

    phone.get_by_label("iGOT कर्मयोगी और SPARROW पर मेरी ईमेल आईडी एक ही है").check()
    phone.get_by_role("button", name="भेजें").click()
    expect(phone.get_by_role("heading", name=re.compile("^धन्यवाद, "))).to_be_visible()
    # The switch on the page turns it to English, and the choice is remembered.
    phone.get_by_role("link", name="English").click()
    expect(phone.get_by_role("heading", name=re.compile("^Thank you, "))).to_be_visible()
    phone.goto(links[1])
    assert phone.evaluate("document.documentElement.lang") == "en"
    assert pages.errors == []


def test_wrong_password_and_viewer_cannot_register(app: Flask, pages: Pages, staff: Login):
    make_user(app, "clerk@parcell.hry.gov.in", "clerk")
    page = pages.new()
    page.goto("/login")
    page.get_by_label("Email").fill("clerk@parcell.hry.gov.in")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Wrong email or password.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    shot(page, "11-login-wrong-password")

    viewer = pages.new()
    staff(viewer, "viewer")
    expect(viewer.get_by_role("heading", name="Circulars")).to_be_visible()
    expect(viewer.get_by_role("link", name="Register a circular")).to_have_count(0)
    expect(viewer.get_by_role("link", name="Mailbox")).to_have_count(0)
    shot(viewer, "12-viewer-circulars")

    assert pages.errors == []


def test_mailbox_shows_the_subject_as_written(app: Flask, pages: Pages, staff: Login):
    sent_endorsement(app)
    page = pages.new()
    staff(page, "clerk")
    page.goto("/mailbox/")
    expect(page.locator("tbody tr").first.get_by_role("link")).to_have_text(SUBJECT, timeout=2_000)


def test_each_tally_chip_lists_as_many_recipients_as_it_counts(app: Flask, pages: Pages, staff: Login):
    endorsement_id, links = sent_endorsement(app)
    officer = pages.new(**PHONE)
    officer.goto(links[0])
    officer.get_by_label("My email ID is the same on iGOT Karmayogi and SPARROW").check()
    officer.get_by_role("button", name="Submit").click()
    expect(officer.get_by_role("heading", name=re.compile("^Thank you, "))).to_be_visible()

    page = pages.new()
    staff(page, "clerk")
    page.goto(f"/endorsements/{endorsement_id}")
    chips = page.locator(".tally a")
    expect(chips.first).to_be_visible()
    for label in chips.all_inner_texts():
        name, count = label.rsplit(" ", 1)
        page.get_by_role("link", name=label, exact=True).click()
        expect(page.locator("tbody tr"), f"the {name!r} chip").to_have_count(int(count), timeout=2_000)
        page.goto(f"/endorsements/{endorsement_id}")
    assert pages.errors == []


def test_chart_of_answers_over_ten_days(app: Flask, pages: Pages, staff: Login):
    from datetime import timedelta

    from models import Acknowledgement, Delivery, utcnow

    endorsement_id, _ = sent_endorsement(app)
    with app.app_context():
        recipients = db.session.scalars(db.select(Recipient).order_by(Recipient.id)).all()
        start = utcnow() - timedelta(days=10)
        db.session.execute(db.update(Delivery).values(created_at=start))
        for n, recipient in enumerate(recipients[:24]):
            token = acknowledgements.link_token(recipient.token_nonce)
            acknowledgements.acknowledge(db.session, token, {"response": "aligned"}, None, None)
            db.session.flush()
            db.session.execute(
                db.update(Acknowledgement)
                .where(Acknowledgement.recipient_id == recipient.id)
                .values(at=start + timedelta(days=n // 3, hours=2))
            )
        db.session.commit()
    page = pages.new()
    staff(page, "clerk")
    page.goto(f"/endorsements/{endorsement_id}")
    chart = page.get_by_role("img", name=re.compile("Officers answered by day: 24 of 40"))
    expect(chart).to_be_visible()
    assert page.locator(".chart polyline").count() == 1
    shot(page, "13-endorsement-chart")
    assert pages.errors == []
