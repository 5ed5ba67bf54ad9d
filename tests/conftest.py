"""Fixtures: an app on SQLite and on PostgreSQL, a client that fills in CSRF tokens, a real SMTP server."""

import asyncio
import atexit
import contextlib
import io
import os
import re
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pypdf
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from models import Recipient, User, db
from services import accounts, acknowledgements, dispatch, intake, jobs, letters, roster

SAMPLES = Path(__file__).parent / "samples"
# OCR needs Tesseract (and Poppler, ImageMagick): on CI, where the Makefile installs them, it must run.
needs_ocr = pytest.mark.skipif(
    shutil.which("tesseract") is None and not os.environ.get("CI"), reason="Tesseract is not installed"
)
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "correct horse battery"


def _postgres_url() -> str | None:
    """A PostgreSQL database of this run's own, if the server answers (on CI it must).

    Each run creates its own database and drops it at the end, so two runs at once (a developer's
    and CI's, or two checkouts) never share tables.
    """
    server = os.environ.get("TEST_DATABASE_URL", PG_DEFAULT)
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            pass
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            _drop_abandoned(connection)
        admin.dispose()
        name = _create_database(server, "pavati_test")
    except Exception:
        if os.environ.get("CI"):
            raise
        return None
    url = sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    atexit.register(_drop_database, server, name)
    return url


def _drop_abandoned(connection: sa.Connection) -> None:
    """Drop the databases of earlier runs on this machine whose process is gone (killed runs)."""
    names = connection.scalars(sa.text("select datname from pg_database where datname like 'pavati\\_test\\_%'"))
    for name in list(names):
        pid = name.split("_")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _create_database(server: str, prefix: str) -> str:
    """A new, empty database on the PostgreSQL `server`, named with this process's id (so that one a killed run
    left behind can be told from one in use); its name."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name


@contextlib.contextmanager
def postgres_database(server: str, prefix: str = "pavati_test") -> Iterator[str]:
    """A new, empty database on the PostgreSQL `server` for a test or a benchmark, dropped after; yields its URL."""
    name = _create_database(server, prefix)
    try:
        yield sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        _drop_database(server, name)


def _drop_database(server: str, name: str) -> None:
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_PG = _postgres_url()
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(_PG is None, reason="no PostgreSQL"))]


# For a test of what the web layer shows (a page's words, a PDF's layout) rather than of what the database does:
# once, on SQLite, keeps the suite within its time.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
# For a test of what PostgreSQL alone does (transactions at once, its triggers): skipped where there is none.
postgresql_only = pytest.mark.parametrize("database_url", BACKENDS[1:], indirect=True)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'pavati.sqlite'}"
    assert _PG is not None
    return _PG


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict[str, Any]:
    """What a test may change before the app is made (mail server, workers...)."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "FILES_DIR": str(tmp_path / "files"),
        "MAILBOX_DIR": str(tmp_path / "mailbox"),
        "MAIL_SERVER": None,
        "MAIL_SUPPRESS_SEND": False,
        "PUBLIC_BASE_URL": "https://pavati.example.gov.in",
        "OUTBOX_SWEEP_SECONDS": 0,  # tests sweep by hand
        "REMINDERS_EVERY_SECONDS": 0,
        "HOUSEKEEPING_EVERY_SECONDS": 0,
        "LOG_LEVEL": "WARNING",
        # Many answers on one link from one address: the tests of the limits set their own.
        "ACK_RATE_PER_TOKEN": 0,
        "ACK_RATE_PER_ADDRESS": 0,
        # The founding memo's letters have fixed deadlines in 2026: their links stay open unless a test of
        # expiry says otherwise.
        "ACK_GRACE_DAYS": 36500,
        # Many checks on the verify page from one address: the test of its limit sets its own.
        "VERIFY_RATE_PER_ADDRESS": 0,
    }


# The PostgreSQL databases whose tables this run has made: the next test only empties them (TRUNCATE is a
# fraction of dropping and creating every table and index, which over the suite's tests cost minutes).
_SCHEMA_MADE: set[str] = set()


def _fresh_tables(url: str) -> None:
    if url in _SCHEMA_MADE:
        tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
        db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()
        return
    db.drop_all()
    db.create_all()
    if url.startswith("postgresql"):
        _SCHEMA_MADE.add(url)


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(app_config)
    with app.app_context():
        _fresh_tables(app_config["SQLALCHEMY_DATABASE_URI"])
    yield app
    with app.app_context():
        jobs.executor().wait(30)
        jobs.executor().shutdown()
        db.session.remove()
        if app.config["SQLALCHEMY_DATABASE_URI"] not in _SCHEMA_MADE:
            db.drop_all()
        db.engine.dispose()


class Client(FlaskClient):
    """A test client that posts forms the way a browser does: with the page's CSRF token."""

    particulars_url = ""

    def csrf_token(self, page: str) -> str:
        html = self.get(page).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def upload_memo(self, data: bytes, filename: str) -> tuple[str, dict[str, str]]:
        """Step one of registering: upload the PDF. The page it leads to (the particulars, or the
        scan's reading), and the hidden fields (upload ticket, CSRF token) that step two must send
        back to `self.particulars_url`."""
        response = self.submit(
            "/circulars/new", {"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data"
        )
        if response.status_code == 302:
            self.particulars_url = response.headers["Location"]
            response = self.get(self.particulars_url)
        html = response.get_data(as_text=True)
        hidden = {
            name: match.group(1)
            for name in ("upload", "csrf_token")
            if (match := re.search(rf'name="{name}"[^>]*value="([^"]+)"', html))
        }
        return html, hidden

    def preview_roster(self, data: bytes, filename: str = "roster.csv") -> tuple[str, dict[str, str]]:
        """Step one of importing the roster: upload it. The preview page, and its form's fields (ticket, CSRF
        token, each column's field as guessed) that step two sends back."""
        response = self.submit(
            "/officers/import", {"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data"
        )
        html = response.get_data(as_text=True)
        fields = dict(re.findall(r'name="(ticket|csrf_token)"[^>]*value="([^"]+)"', html))
        for column, chosen in re.findall(r'<select id="(col-\d+)".*?(?:value="(\w+)" selected|</select>)', html, re.S):
            fields[column] = chosen
        return html, fields

    def import_roster(self, data: bytes, filename: str = "roster.csv") -> str:
        """Import a roster through the pages (upload, preview, import as guessed); the page it ends on."""
        _, fields = self.preview_roster(data, filename)
        return self.post("/officers/import/apply", data=fields, follow_redirects=True).get_data(as_text=True)

    def submit(self, page: str, data: dict[str, Any], action: str | None = None, **kwargs: Any) -> Any:
        """Open `page`, then post `data` to `action` (default: the same page) with its CSRF token."""
        data = {**data, "csrf_token": self.csrf_token(page)}
        return self.post(action or page, data=data, **kwargs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


def make_user(app: Flask, email: str, role: str) -> None:
    with app.app_context():
        accounts.create_user(db.session, email, role.title(), role, PASSWORD)
        db.session.commit()


class Auth:
    """Logs staff in and out through the real login page."""

    def __init__(self, app: Flask, client: Client) -> None:
        self.app = app
        self.client = client
        self.role = ""

    def login(self, role: str = "clerk") -> Any:
        self.role = role
        email = f"{role}@parcell.hry.gov.in"
        with self.app.app_context():
            if not db.session.scalar(sa.text('select count(*) from "user" where email = :e'), {"e": email}):
                make_user(self.app, email, role)
        return self.client.submit("/login", {"email": email, "password": PASSWORD}, follow_redirects=True)

    def logout(self) -> Any:
        return self.client.submit("/", {}, action="/logout", follow_redirects=True)

    def approve(self, page: str, **form: Any) -> Any:
        """The letter at `page` approved on its page by the office's approver (whoever prepared it may not),
        then the one logged in before back at work; the approver's page after it."""
        was = self.role
        self.logout()
        self.login("approver")
        response = self.client.submit(page, form, action=f"{page}/approve", follow_redirects=True)
        self.logout()
        if was:
            self.login(was)
        return response


@pytest.fixture
def auth(app: Flask, client: Client) -> Auth:
    return Auth(app, client)


@pytest.fixture
def api_token(app: Flask) -> Any:
    """A bearer header for a user of the given role."""

    def make(role: str = "clerk") -> dict[str, str]:
        email = f"api-{role}@parcell.hry.gov.in"
        make_user(app, email, role)
        with app.app_context():
            user = accounts.find_user(db.session, email)
            token = accounts.issue_api_token(db.session, user.id)
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


class Inbox:
    """A real SMTP server on loopback (aiosmtpd) and the messages it has received.

    It misbehaves on request: `refuse` and `defer` addresses get 550 and 451; `drop` maps the n-th
    message (from 1) to "before" (the connection is cut at RCPT, nothing taken) or "after" (the
    message is taken, then the connection cut before the reply); `flaky` gives every message whose
    number it divides a 421 or 451 the first time it is offered.
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()
        self.defer: set[str] = set()
        self.drop: dict[int, str] = {}
        self.flaky = 0
        self.delay = 0.0  # seconds before answering each message
        self.offered = 0
        self.connections = 0
        self.arrived: list[float] = []  # time.monotonic() of each message taken
        self._refused_once: set[str] = set()
        self._lock = threading.Lock()

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]) -> Any:
        with self._lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        with self._lock:
            self.offered += 1
            number = self.offered
        if self.drop.get(number) == "before":
            server.transport.close()
            return "421 4.4.2 Connection dropped"
        if address.lower() in self.refuse:
            return "550 5.1.1 No such user here"
        if address.lower() in self.defer:
            return "451 4.3.0 Try again later"
        if self.flaky and number % self.flaky == 0 and address not in self._refused_once:
            self._refused_once.add(address)
            return "421 4.3.2 Too busy, closing" if number % (2 * self.flaky) == 0 else "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        session.number = number
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
            self.arrived.append(time.monotonic())
        if self.drop.get(getattr(session, "number", 0)) == "after":
            server.transport.close()  # taken, but the sender never hears so
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    def wait_for(self, count: int, timeout: float = 60) -> None:
        """Wait until `count` messages have arrived (the test fails if they do not)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"expected {count} emails, got {len(self.messages)}"


class BoundController(Controller):
    """aiosmtpd on a socket bound before it starts: the port is ours from the first moment, so no
    other process can take it between choosing and listening (a free port found and then closed can)."""

    def __init__(self, handler: Any) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        super().__init__(handler, hostname="127.0.0.1", port=self._socket.getsockname()[1])

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._socket)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = BoundController(inbox)
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def smtp_app_config(app_config: dict[str, Any], smtp: tuple[Inbox, int]) -> dict[str, Any]:
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp[1], MAIL_DEFAULT_SENDER="PAR Cell <parcell@hry.gov.in>")
    return app_config


@dataclass
class OfficeCertificate:
    """A signing certificate of the test's own, issued by a CA of its own, kept in a PKCS#12 file."""

    p12: Path
    password: str
    ca: bytes  # DER
    ca_file: Path  # PEM
    signer: str  # the name the office's letters are signed by

    @property
    def settings(self) -> dict[str, str]:
        """The app's settings that sign letters with it and trust its CA."""
        return {
            "SIGNING_P12": str(self.p12),
            "SIGNING_P12_PASSWORD": self.password,
            "SIGNING_TRUST_ROOTS": str(self.ca_file),
        }


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Government of Haryana"),
        ]
    )


def _key_usage(signs_documents: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signs_documents,
        content_commitment=signs_documents,  # non-repudiation: pyHanko asks it of a document signer
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signs_documents,
        crl_sign=not signs_documents,
        encipher_only=False,
        decipher_only=False,
    )


def make_office_certificate(folder: Path, password: str = "p12 password") -> OfficeCertificate:
    """A CA and a document-signing certificate under it (EC P-256: quick to make), the key and chain in a
    PKCS#12 file in `folder`."""
    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name, name = _name("Test Certifying Authority"), _name("Deputy Superintendent PAR Cell")

    def certificate(subject: x509.Name, public: Any, is_ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(ca_name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
            .add_extension(_key_usage(signs_documents=not is_ca), critical=True)
        )
        return builder.sign(ca_key, hashes.SHA256())

    ca = certificate(ca_name, ca_key.public_key(), is_ca=True)
    signing = certificate(name, key.public_key(), is_ca=False)
    p12 = folder / "office.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"office", key, signing, [ca], serialization.BestAvailableEncryption(password.encode())
        )
    )
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return OfficeCertificate(
        p12,
        password,
        ca.public_bytes(serialization.Encoding.DER),
        ca_file,
        "Deputy Superintendent PAR Cell, Government of Haryana",
    )


@pytest.fixture
def office_certificate(tmp_path: Path) -> OfficeCertificate:
    """The office's signing certificate for one test; `app.config.update(office_certificate.settings)` signs
    with it from then on."""
    folder = tmp_path / "certificate"
    folder.mkdir()
    return make_office_certificate(folder)


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF, as a reader would copy it."""
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages)


MEMO_FIELDS = {
    "reference_no": "T-28/27/2025-iGOT Part(1)",
    "dated": "2026-03-03",
    "issued_by": "Department of Personnel and Training",
    "subject": "Instructions regarding Updation of Email ID on SPARROW and iGOT Karmayogi Portal – reg.",
    "diary_no": "253/6",
    "received_on": "2026-03-05",
}


def api_register(client: FlaskClient, headers: dict[str, str], **overrides: Any) -> Any:
    """Register the sample memo through the API (fields and file may be overridden)."""
    data = {**MEMO_FIELDS, **overrides}
    data.setdefault("file", sample("dopt-igot-email-om.pdf"))
    if isinstance(data["file"], bytes):
        data["file"] = (io.BytesIO(data["file"]), "om.pdf")
    elif isinstance(data["file"], tuple) and isinstance(data["file"][0], bytes):
        data["file"] = (io.BytesIO(data["file"][0]), data["file"][1])
    return client.post("/api/v1/circulars", data=data, headers=headers)


def api_import(client: FlaskClient, headers: dict[str, str], roster: bytes | None = None) -> Any:
    """Import a roster (the sample one by default) through the API."""
    data = {"file": (io.BytesIO(roster or sample("roster-haryana-ias.csv")), "roster.csv")}
    return client.post("/api/v1/officers/import", data=data, headers=headers)


def api_issue(client: FlaskClient, headers: dict[str, str], **letter: Any) -> int:
    """Register the sample memo, import the sample roster, prepare and issue a letter; its id."""
    circular_id = api_register(client, headers).json["id"]
    api_import(client, headers)
    response = client.post(
        f"/api/v1/circulars/{circular_id}/endorsements",
        json={"file_no": "No.1", "dated": "2026-03-11", "ack_kind": "read", **letter},
        headers=headers,
    )
    assert response.status_code == 201, response.json
    endorsement_id = int(response.json["id"])
    assert client.post(f"/api/v1/endorsements/{endorsement_id}/approve", headers=approver(client)).status_code == 200
    return endorsement_id


def approver(client: FlaskClient) -> dict[str, str]:
    """A bearer header of the office's approver, the signatory who issues letters (made the first time)."""
    email = "api-approver@parcell.hry.gov.in"
    with client.application.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = accounts.create_user(db.session, email, "Approver", "approver", PASSWORD)
            db.session.flush()
        token = accounts.issue_api_token(db.session, user.id)
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


ONE_OFFICER = "name,service,batch,designation,sparrow_email,mobile\nA One,IAS,2001,DC,a.one@nic.in,\n"


def issue_letter(app: Flask, roster_csv: str | bytes = ONE_OFFICER, **letter: Any) -> int:
    """Register the sample memo, import a roster, prepare and issue a letter (services, no HTTP); its id."""
    with app.app_context():
        memo = intake.read_memo(db.session, sample("dopt-igot-email-om.pdf"))
        circular = intake.diarise(db.session, memo.sha256, "om.pdf", MEMO_FIELDS, None)
        data = roster_csv.encode() if isinstance(roster_csv, str) else roster_csv
        roster.import_roster(db.session, data, None)
        fields = {**letters.draft_defaults(db.session, circular.id), "dated": "2026-03-11", **letter}
        endorsement = letters.prepare_endorsement(db.session, circular.id, fields, None)
        letters.issue_endorsement(db.session, endorsement.id, None)
        db.session.commit()
        return endorsement.id


def issued_endorsement(app: Flask, ack_kind: str = "email_alignment") -> dict[str, str]:
    """An issued, distributed endorsement; returns each officer's email → link token."""
    with app.app_context():
        memo = intake.read_memo(db.session, sample("dopt-igot-email-om.pdf"))
        circular = intake.diarise(db.session, memo.sha256, "om.pdf", MEMO_FIELDS, None)
        roster.import_roster(db.session, sample("roster-haryana-ias.csv"), None)
        fields = {**letters.draft_defaults(db.session, circular.id), "ack_kind": ack_kind, "dated": "2026-03-11"}
        endorsement = letters.prepare_endorsement(db.session, circular.id, fields, None)
        letters.issue_endorsement(db.session, endorsement.id, None)
        dispatch.distribute(db.session, endorsement.id, None)
        db.session.commit()
        jobs.executor().wait(30)
        return {r.email: acknowledgements.link_token(r.token_nonce) for r in db.session.scalars(db.select(Recipient))}


def answered_letter(app: Flask, client: Client) -> tuple[dict[str, str], str, str]:
    """An issued email-alignment letter (its tokens by email) where the first officer by email has answered that
    their iGOT email is x@gmail.com, and the second that theirs is the same as SPARROW's."""
    tokens = issued_endorsement(app)
    first, second = sorted(tokens)[:2]
    different = {"response": "different", "igot_email": "x@gmail.com"}
    assert client.submit(f"/a/{tokens[first]}", different).status_code == 303
    assert client.submit(f"/a/{tokens[second]}", {"response": "aligned"}).status_code == 303
    return tokens, first, second


def settle(app: Flask, timeout: float = 60) -> None:
    """Wait until the background jobs have finished."""
    with app.app_context():
        assert jobs.executor().wait(timeout)


def worker_env(app: Flask, smtp_port: int, **settings: str) -> dict[str, str]:
    """The environment for another process (a CLI command, a Celery worker) to work on this test's
    database, files and SMTP server."""
    config = app.config
    return {
        **os.environ,
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": config["SECRET_KEY"],
        "FILES_DIR": config["FILES_DIR"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "LOG_LEVEL": "WARNING",
        **settings,
    }
