"""A content-addressed store for uploads (memos, letters, rosters): each file kept once, named by its SHA-256."""

import functools
import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from services.errors import Invalid

UPLOAD_TICKET_SECONDS = 24 * 3600


def _root() -> Path:
    return Path(current_app.config["FILES_DIR"])


def _path(sha256: str, suffix: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 digest")
    return _root() / sha256[:2] / f"{sha256}{suffix}"


def private_folder(path: Path) -> None:
    """Make a folder (and its missing parents) that only this account can open, and tighten it if it exists."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)


def digest(data: bytes) -> str:
    """The name a file is stored under."""
    return hashlib.sha256(data).hexdigest()


def store(data: bytes, suffix: str = ".pdf") -> str:
    """Keep `data` and return its digest. Written to a temporary name first, so no half file is seen."""
    sha = digest(data)
    path = _path(sha, suffix)
    if not path.exists():
        _write(path, data)
    return sha


def _write(path: Path, data: bytes) -> None:
    private_folder(path.parent)
    handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")  # made 600
    with os.fdopen(handle, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def load(sha256: str, suffix: str = ".pdf") -> bytes:
    """The stored file's bytes. Files never change once stored, so the last few read are kept:
    sending a letter to every officer attaches the same PDF thousands of times."""
    return _read(str(_path(sha256, suffix)))


@functools.lru_cache(maxsize=4)
def _read(path: str) -> bytes:
    return Path(path).read_bytes()


def _tickets(suffix: str) -> URLSafeTimedSerializer:
    # Signed for one kind of file: a memo's ticket never stands for a roster, nor the other way.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"pavati-upload{suffix}")


def upload_ticket(sha256: str, suffix: str = ".pdf") -> str:
    """A signed note of a stored upload, for a form to carry to its next step (the bare digest could name any
    stored file, issued letters included)."""
    return _tickets(suffix).dumps(sha256)


def uploaded_digest(ticket: str, what: str, suffix: str = ".pdf") -> str:
    """The digest an upload ticket stands for; Invalid if it was altered, is over a day old, or its file is gone."""
    try:
        value = _tickets(suffix).loads(ticket, max_age=UPLOAD_TICKET_SECONDS)
    except BadData:
        raise Invalid(f"The {what} has expired or was not found; upload it again.", "file") from None
    if not isinstance(value, str) or not _path(value, suffix).exists():
        raise Invalid(f"The {what} has expired or was not found; upload it again.", "file")
    return value
