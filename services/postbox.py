"""Where email goes: an SMTP server through Flask-Mail, or a local mailbox folder for development."""

import email
import email.policy
import os
import re
import smtplib
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app
from flask_mail import Connection, Mail

from services import files

mail = Mail()


class Outgoing(Protocol):
    """An open way out for messages: a connection to the SMTP server, or the local mailbox."""

    def send(self, from_address: str, to_addresses: list[str], message: bytes) -> None:
        """Hand over one message, or raise (smtplib's exceptions for the server's refusals)."""


class Postbox(Protocol):
    """Where email goes. `open()` gives a connection to send any number of messages over."""

    def open(self) -> AbstractContextManager[Outgoing]: ...


class TimedConnection(Connection):
    """Flask-Mail's connection with a socket timeout, so a server that goes quiet cannot hang a sender."""

    def __init__(self, state: Any, timeout: float) -> None:
        self.timeout = timeout
        super().__init__(state)

    def configure_host(self) -> smtplib.SMTP:
        state = self.mail
        host = (smtplib.SMTP_SSL if state.use_ssl else smtplib.SMTP)(state.server, state.port, timeout=self.timeout)
        if state.use_tls:
            host.starttls()
        if state.username and state.password:
            host.login(state.username, state.password)
        return host


class SmtpOutgoing:
    """One SMTP session: messages go over the same connection until it is closed."""

    def __init__(self, host: smtplib.SMTP) -> None:
        self.host = host

    def send(self, from_address: str, to_addresses: list[str], message: bytes) -> None:
        self.host.sendmail(from_address, to_addresses, message)


class SmtpPostbox:
    """Sends through the configured SMTP server (Flask-Mail's settings)."""

    @contextmanager
    def open(self) -> Iterator[Outgoing]:
        timeout = current_app.config["SMTP_TIMEOUT_SECONDS"]
        host = TimedConnection(current_app.extensions["mail"], timeout).configure_host()
        try:
            yield SmtpOutgoing(host)
        finally:
            # What was sent is sent; a server that drops the goodbye changes nothing.
            with suppress(smtplib.SMTPException, OSError):
                host.quit()
            host.close()


class LocalMailbox:
    """Keeps each message as an .eml file in a folder, for staff to read in the browser."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    @contextmanager
    def open(self) -> Iterator[Outgoing]:
        yield self

    def send(self, from_address: str, to_addresses: list[str], message: bytes) -> None:
        files.private_folder(self.folder)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        tmp = self.folder / f".{name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(message)
        tmp.replace(self.folder / name)


@dataclass
class MailboxItem:
    """One message in the local mailbox, parsed."""

    key: str
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def to(self) -> str:
        return str(self.message["To"] or "")

    @property
    def date(self) -> str:
        return str(self.message["Date"] or "")

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    @property
    def attachments(self) -> list[tuple[str, str, bytes]]:
        """Each attachment's file name, content type and bytes."""
        return [
            (a.get_filename() or "attachment", a.get_content_type(), a.get_content())
            for a in self.message.iter_attachments()
        ]


_KEY = re.compile(r"^[0-9T]+-[0-9a-f]{8}$")


def local_mailbox() -> LocalMailbox | None:
    """The local mailbox, if mail goes there (no MAIL_SERVER configured)."""
    postbox = current_app.extensions["pavati.postbox"]
    return postbox if isinstance(postbox, LocalMailbox) else None


def mailbox_items(limit: int = 200) -> list[MailboxItem]:
    """The newest messages in the local mailbox."""
    box = local_mailbox()
    if box is None or not box.folder.is_dir():
        return []
    paths = sorted(box.folder.glob("*.eml"), reverse=True)[:limit]
    return [_parse(p) for p in paths]


def mailbox_item(key: str) -> MailboxItem | None:
    """One message of the local mailbox by its key, or None."""
    box = local_mailbox()
    if box is None or not _KEY.fullmatch(key):
        return None
    path = box.folder / f"{key}.eml"
    return _parse(path) if path.is_file() else None


def _parse(path: Path) -> MailboxItem:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return MailboxItem(key=path.stem, message=message)


def init_app(app: Flask) -> None:
    """Wire Flask-Mail in and choose the postbox: SMTP when MAIL_SERVER is set, else the local mailbox."""
    mail.init_app(app)
    if app.config.get("MAIL_SERVER"):
        app.extensions["pavati.postbox"] = SmtpPostbox()
    else:
        app.extensions["pavati.postbox"] = LocalMailbox(app.config["MAILBOX_DIR"])


def postbox() -> Postbox:
    """The app's postbox."""
    box: Postbox = current_app.extensions["pavati.postbox"]
    return box
