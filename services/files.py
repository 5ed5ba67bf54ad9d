"""A content-addressed store for PDFs: each file kept once, named by its SHA-256."""

import functools
import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app


def _root() -> Path:
    return Path(current_app.config["FILES_DIR"])


def _path(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 digest")
    return _root() / sha256[:2] / f"{sha256}.pdf"


def private_folder(path: Path) -> None:
    """Make a folder (and its missing parents) that only this account can open, and tighten it if it exists."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)


def digest(data: bytes) -> str:
    """The name a file is stored under."""
    return hashlib.sha256(data).hexdigest()


def store(data: bytes) -> str:
    """Keep `data` and return its digest. Written to a temporary name first, so no half file is seen."""
    sha = digest(data)
    path = _path(sha)
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


def load(sha256: str) -> bytes:
    """The stored file's bytes. Files never change once stored, so the last few read are kept:
    sending a letter to every officer attaches the same PDF thousands of times."""
    return _read(str(_path(sha256)))


@functools.lru_cache(maxsize=4)
def _read(path: str) -> bytes:
    return Path(path).read_bytes()
