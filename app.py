"""The application factory: settings from the environment, then each part wired in turn."""

import logging
import os
import secrets
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from dotenv import load_dotenv
from flask import Flask
from flask_migrate import Migrate
from werkzeug.middleware.proxy_fix import ProxyFix

import routes
from models import db
from services import files, jobs, postbox, printing


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def settings_from_env(instance_path: str) -> dict[str, Any]:
    """Every setting, read from environment variables (and `.env`), with the development defaults."""
    load_dotenv()
    env = os.environ.get
    public_url = env("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    return {
        "SECRET_KEY": env("SECRET_KEY") or _dev_secret(instance_path),
        "SQLALCHEMY_DATABASE_URI": env("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'pavati.sqlite'}",
        "MAIL_SERVER": env("MAIL_SERVER") or None,
        "MAIL_PORT": int(env("MAIL_PORT") or 25),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL"),
        "MAIL_USERNAME": env("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env("MAIL_DEFAULT_SENDER") or "PAR Cell <parcell@localhost>",
        "MAIL_MSGID_DOMAIN": env("MAIL_MSGID_DOMAIN") or "pavati.local",
        "SMTP_TIMEOUT_SECONDS": float(env("SMTP_TIMEOUT_SECONDS") or 30),
        "PUBLIC_BASE_URL": public_url,
        "TIMEZONE": env("TIMEZONE") or "Asia/Kolkata",
        "TRUST_PROXY": _flag("TRUST_PROXY"),
        # The names this site answers to: Flask answers a request for any other Host 400 before a view runs
        # (a forged Host header, DNS rebinding).
        "TRUSTED_HOSTS": [host.strip() for host in (env("TRUSTED_HOSTS") or "").split(",") if host.strip()] or None,
        # gunicorn's number of workers, which it reads from the same variable: `flask check` judges by it.
        "WEB_CONCURRENCY": int(env("WEB_CONCURRENCY") or 1),
        **_sending_settings(env),
        **_answer_settings(env),
        **_signing_settings(env),
        # iGOT's "All Reports" export: the most it may unpack to (a zip bomb is refused long before), the largest
        # upload taken (a ZIP of a 500,000-row consumption report is ~20 MB), and the size past which it is
        # read in the background.
        "IGOT_MAX_UNPACKED_MB": float(env("IGOT_MAX_UNPACKED_MB") or 512),
        "IGOT_MAX_UPLOAD_MB": float(env("IGOT_MAX_UPLOAD_MB") or 200),
        "IGOT_INLINE_MB": float(env("IGOT_INLINE_MB") or 2),
        # An upload past this is answered 413 before any of it is stored.
        "MAX_CONTENT_LENGTH": int(float(env("MAX_UPLOAD_MB") or 25) * 1024 * 1024),
        # A letter or report that takes longer to render is stopped: no page we make needs a tenth of it.
        "RENDER_TIME_LIMIT": float(env("RENDER_TIME_LIMIT") or 30),
        "FILES_DIR": env("FILES_DIR") or str(Path(instance_path) / "files"),
        "MAILBOX_DIR": env("MAILBOX_DIR") or str(Path(instance_path) / "mailbox"),
        # Behind HTTPS (as the public links say), cookies travel only over HTTPS.
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", default=public_url.startswith("https://")),
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", default=public_url.startswith("https://")),
        **{key: env(key) or value for key, value in LETTER_DEFAULTS.items()},
    }


def _sending_settings(env: Any) -> dict[str, Any]:
    """How mail goes out: connections, batches, rate, retries, claims, and where background jobs run."""
    connections = int(env("SEND_CONNECTIONS") or 4)
    return {
        "SEND_CONNECTIONS": connections,
        "SEND_BATCH": int(env("SEND_BATCH") or 100),
        "SEND_RATE_PER_MINUTE": float(env("SEND_RATE_PER_MINUTE") or 0) or None,
        "SEND_RETRY_BASE_SECONDS": float(env("SEND_RETRY_BASE_SECONDS") or 60),
        "SEND_MAX_ATTEMPTS": int(env("SEND_MAX_ATTEMPTS") or 8),
        # A claim on a row older than this came from a worker that died: the row is sent again.
        "SEND_CLAIM_SECONDS": float(env("SEND_CLAIM_SECONDS") or 300),
        "OUTBOX_SWEEP_SECONDS": float(env("OUTBOX_SWEEP_SECONDS") or 30),
        "REMINDERS_EVERY_SECONDS": float(env("REMINDERS_EVERY_SECONDS") or 3600),
        "HOUSEKEEPING_EVERY_SECONDS": float(env("HOUSEKEEPING_EVERY_SECONDS") or 3600),
        "CELERY_BROKER_URL": env("CELERY_BROKER_URL") or None,
        # The broker's queue (and the name the shared rate limit is kept under): one per installation.
        "CELERY_QUEUE": env("CELERY_QUEUE") or "pavati",
        # Sending threads, and two more for other jobs, when no Celery broker is set.
        "JOB_THREADS": connections + 2,
        "LOG_LEVEL": (env("LOG_LEVEL") or "INFO").upper(),
    }


def _answer_settings(env: Any) -> dict[str, Any]:
    """Officers' links: how long after the deadline they still take answers, and how fast (answers a minute, 0 for
    no limit), per link and per client address; where the counts are kept so that every worker shares them."""
    return {
        "ACK_GRACE_DAYS": int(env("ACK_GRACE_DAYS") or 30),
        "ACK_RATE_PER_TOKEN": int(env("ACK_RATE_PER_TOKEN") or 10),
        "ACK_RATE_PER_ADDRESS": int(env("ACK_RATE_PER_ADDRESS") or 120),
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI") or "memory://",
        # Named on the page of an expired link: whom an officer should write to.
        "CELL_CONTACT_EMAIL": env("CELL_CONTACT_EMAIL") or "parcell@localhost",
    }


def _signing_settings(env: Any) -> dict[str, Any]:
    """The office's signature on issued letters: a PKCS#12 file, or a PKCS#11 token (a USB DSC or an HSM), or
    neither (letters go out unsigned, and the verify page says so); the roots a signature is checked against;
    how often one address may check an uploaded file on the public verify page (a minute, 0 for no limit)."""
    return {
        "SIGNING_P12": env("SIGNING_P12") or None,
        "SIGNING_P12_PASSWORD": env("SIGNING_P12_PASSWORD") or None,
        "SIGNING_PKCS11_MODULE": env("SIGNING_PKCS11_MODULE") or None,
        "SIGNING_PKCS11_TOKEN_LABEL": env("SIGNING_PKCS11_TOKEN_LABEL") or None,
        "SIGNING_PKCS11_KEY_LABEL": env("SIGNING_PKCS11_KEY_LABEL") or None,
        "SIGNING_PKCS11_CERT_LABEL": env("SIGNING_PKCS11_CERT_LABEL") or None,
        "SIGNING_PKCS11_PIN": env("SIGNING_PKCS11_PIN") or None,
        "SIGNING_REASON": env("SIGNING_REASON") or "Issued by the PAR Cell",
        # Empty: the letter's place (LETTER_PLACE).
        "SIGNING_LOCATION": env("SIGNING_LOCATION") or None,
        "SIGNING_TRUST_ROOTS": env("SIGNING_TRUST_ROOTS") or None,
        "VERIFY_RATE_PER_ADDRESS": int(env("VERIFY_RATE_PER_ADDRESS") or 20),
    }


# The office's letterhead and the letter's usual particulars; each can be set in the environment.
LETTER_DEFAULTS = {
    "LETTER_GOVERNMENT": "Government of Haryana",
    "LETTER_OFFICE": "Chief Secretary's Office (PAR Cell)",
    "LETTER_PLACE": "Chandigarh",
    "LETTER_FILE_NO": "No.30/10/2025-1PAR Cell",
    "LETTER_ADDRESSEE": "All the IAS officers in Haryana",
    "LETTER_SIGNATORY_NAME": "Deputy Superintendent",
    "LETTER_SIGNATORY_TITLE": "PAR Cell, for Chief Secretary to Government, Haryana",
    "LETTER_COPY_TO": "The Under Secretary to the Government of India, Department of Personnel and Training "
    "(Training Wing), Block IV, Old JNU Campus, New Delhi – 110067",
}


def _dev_secret(instance_path: str) -> str:
    """A secret kept in the instance folder, so development links survive a restart."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        files.private_folder(path.parent)
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Pavati app. `test_config` overrides the environment, before any extension starts."""
    app = Flask(__name__, instance_relative_config=True)
    files.private_folder(Path(app.instance_path))
    app.config.from_mapping(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        # A form's CSRF token lasts as long as the browser session: officers may leave the page open.
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.config.from_mapping(settings_from_env(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    _keep_data_private(app)
    if app.config.get("TRUST_PROXY"):
        # Behind one reverse proxy: take the client's address and scheme from its X-Forwarded headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    _configure_logging(app)
    register_extensions(app)
    routes.init_app(app)
    return app


def _configure_logging(app: Flask) -> None:
    """Log at LOG_LEVEL to standard error (where gunicorn and Celery collect it), so that a worker's
    failure is seen; a handler already set up by the host process is kept."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s"))
        root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    # WeasyPrint reports every step of every render at INFO: only its warnings are news.
    logging.getLogger("weasyprint").setLevel(max(logging.WARNING, root.level))


def _keep_data_private(app: Flask) -> None:
    """Officers' personal data is for this account alone: folders 700, files 600. A SQLite file is
    made 600 before SQLite opens it, since its WAL and shared-memory files take the file's mode."""
    for key in ("FILES_DIR", "MAILBOX_DIR"):
        files.private_folder(Path(app.config[key]))
    url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        files.private_folder(database.parent)
        os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))
        database.chmod(0o600)


def register_extensions(app: Flask) -> None:
    """Database, migrations, mail and the executor of background jobs."""

    db.init_app(app)
    Migrate(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
    postbox.init_app(app)
    jobs.init_app(app)
    printing.init_app(app)
    _tune_sqlite(app)


def _tune_sqlite(app: Flask) -> None:
    """SQLite: WAL and a busy timeout, so that the sending threads and requests can write in turn."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():

        @sa.event.listens_for(db.engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
