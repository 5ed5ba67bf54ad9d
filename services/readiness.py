"""Whether an installation is ready for real use: each check names a setting that is wrong and what to change."""

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask
from werkzeug.sansio.utils import host_is_trusted

from models import db
from services import signing

# A check reads the app's settings (and what they point at) and says what to change, or None when all is well.
Check = Callable[[Flask], str | None]

# What reading a scan needs (services/reading.py): Poppler's pdftoppm, ImageMagick's convert and Tesseract.
OCR_PROGRAMS = ("pdftoppm", "convert", "tesseract")
OCR_LANGUAGES = ("eng", "hin")


def _several_web_workers(app: Flask) -> bool:
    # gunicorn takes its number of workers from WEB_CONCURRENCY: the same variable tells us.
    return int(app.config.get("WEB_CONCURRENCY") or 1) > 1


def secret_key(app: Flask) -> str | None:
    """The key that signs sessions and officers' links must be set, long, and the same on every machine."""
    key = str(app.config.get("SECRET_KEY") or "")
    dev_key = Path(app.instance_path) / "secret_key"
    if dev_key.exists() and dev_key.read_text().strip() == key:
        return (
            "SECRET_KEY is not set: the development key in instance/ is used. Set SECRET_KEY to a long random value "
            "(python -c 'import secrets; print(secrets.token_hex(32))'), the same for every worker; keep it safe."
        )
    if len(key) < 32:
        return "SECRET_KEY is shorter than 32 characters: set a long random value (secrets.token_hex(32))."
    return None


def public_base_url(app: Flask) -> str | None:
    """Officers' links go out by email: they must be https, or tokens and answers travel in the clear."""
    url = app.config["PUBLIC_BASE_URL"]
    if not url.startswith("https://"):
        return f"PUBLIC_BASE_URL is {url}: set it to the https:// address officers open (https://pavati.example.in)."
    return None


def trusted_hosts(app: Flask) -> str | None:
    """The site should answer only to its own name, and that name must be among them or officers get 400."""
    host = urlsplit(app.config["PUBLIC_BASE_URL"]).hostname or ""
    hosts = app.config.get("TRUSTED_HOSTS")
    if not hosts:
        return f"TRUSTED_HOSTS is not set: any Host header is answered. Set it to {host} (comma separated)."
    if not host_is_trusted(host, hosts):
        return f"TRUSTED_HOSTS does not name {host}, PUBLIC_BASE_URL's host: officers' links would be refused."
    return None


def mail_server(app: Flask) -> str | None:
    """Without a mail server, emails land in the local mailbox and reach nobody."""
    if not app.config.get("MAIL_SERVER"):
        return (
            "MAIL_SERVER is not set: emails go to the local mailbox, not to officers. Set MAIL_SERVER "
            "(and MAIL_PORT, MAIL_USE_TLS or MAIL_USE_SSL, MAIL_USERNAME, MAIL_PASSWORD, MAIL_DEFAULT_SENDER)."
        )
    return None


def sqlite_under_workers(app: Flask) -> str | None:
    """SQLite serves one process well; gunicorn workers and Celery workers writing at once wait on each other."""
    if sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() != "sqlite":
        return None
    who = []
    if app.config.get("CELERY_BROKER_URL"):
        who.append("CELERY_BROKER_URL is set (Celery workers)")
    if _several_web_workers(app):
        who.append(f"WEB_CONCURRENCY is {app.config['WEB_CONCURRENCY']}")
    if who:
        return (
            f"DATABASE_URL is SQLite but {' and '.join(who)}: several processes would write to one file. "
            "Set DATABASE_URL to PostgreSQL (postgresql+psycopg://user@host/pavati)."
        )
    return None


def rate_limit_storage(app: Flask) -> str | None:
    """Officers' answers are limited per link and address; each gunicorn worker would count only its own."""
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory://") and _several_web_workers(app):
        return (
            f"RATELIMIT_STORAGE_URI is memory:// with WEB_CONCURRENCY {app.config['WEB_CONCURRENCY']}: each worker "
            "counts alone. Set it to Redis (redis://127.0.0.1:6379/1)."
        )
    return None


def signing_certificate(app: Flask) -> str | None:
    """Letters should be signed, and a configured certificate must open, or issuing stops."""
    if not signing.is_configured(app.config):
        return (
            "Letters are issued unsigned: set SIGNING_P12 and SIGNING_P12_PASSWORD (a .p12/.pfx file) "
            "or SIGNING_PKCS11_MODULE and its labels and PIN (a USB token)."
        )
    try:
        with signing.office_signer(app.config):
            pass
    except signing.SignerUnavailable as exc:
        return exc.message
    return None


def ocr(app: Flask) -> str | None:
    """Scanned memos are read with Tesseract in English and Hindi; without it clerks type every particular."""
    missing = [program for program in OCR_PROGRAMS if shutil.which(program) is None]
    if missing:
        return (
            f"{', '.join(missing)} not installed: scans cannot be read. Install poppler-utils, imagemagick, "
            "tesseract-ocr, tesseract-ocr-eng and tesseract-ocr-hin (apt-get install)."
        )
    # Our own fixed command.
    listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30)  # noqa: S607
    languages = set(listed.stdout.split())
    lacking = [language for language in OCR_LANGUAGES if language not in languages]
    if lacking:
        packages = " ".join(f"tesseract-ocr-{language}" for language in lacking)
        return f"Tesseract cannot read {', '.join(lacking)}: install {packages} (apt-get install)."
    return None


def file_store(app: Flask) -> str | None:
    """Memos and issued letters are kept under FILES_DIR: it must take new files."""
    folder = Path(app.config["FILES_DIR"])
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return f"FILES_DIR {folder} cannot be written ({exc.strerror}): make it a folder this account owns."
    return None


def database(app: Flask) -> str | None:
    """The database answers and its schema is the one this code expects."""
    scripts = ScriptDirectory(app.extensions["migrate"].directory)
    try:
        with app.app_context(), db.engine.connect() as connection:
            stamped = sa.inspect(connection).has_table("alembic_version")
            current = set(connection.scalars(sa.text("select version_num from alembic_version")) if stamped else [])
    except sa.exc.SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        said = (str(cause).strip().splitlines() or [""])[0]
        return f"The database at DATABASE_URL cannot be reached ({type(cause).__name__}: {said}): check it."
    if current != set(scripts.get_heads()):
        shown = ", ".join(sorted(current)) or "none"
        return f"The database schema is not the latest (at {shown}): run `flask --app app db upgrade`."
    return None


CHECKS: list[Check] = [
    secret_key,
    public_base_url,
    trusted_hosts,
    mail_server,
    sqlite_under_workers,
    rate_limit_storage,
    signing_certificate,
    ocr,
    file_store,
    database,
]


def findings(app: Flask) -> list[str]:
    """What is wrong, a line each with what to change; empty when the installation is ready."""
    return [finding for check in CHECKS if (finding := check(app))]
