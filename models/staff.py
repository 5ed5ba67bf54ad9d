"""PAR Cell staff: accounts that log in, their roles, their API tokens, their one-time password links and the
count of failed logins."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, utcnow


class Role(enum.StrEnum):
    """What a staff member may do: admins everything, clerks the work, approvers the work and issuing
    letters (the signatory: a clerk prepares, an approver approves), viewers only look."""

    ADMIN = "admin"
    APPROVER = "approver"
    CLERK = "clerk"
    VIEWER = "viewer"


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    """A PAR Cell staff account."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[str] = mapped_column(sa.String(16), default=Role.VIEWER.value)
    # Changes with every password change, so that old sessions stop working.
    session_nonce: Mapped[str] = mapped_column(sa.String(32))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    api_tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    def can_work(self) -> bool:
        """May change things: register, prepare, send."""
        return self.role in (Role.ADMIN, Role.APPROVER, Role.CLERK)

    def can_approve(self) -> bool:
        """May approve a letter, which issues it in the office's name."""
        return self.role in (Role.ADMIN, Role.APPROVER)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ApiToken(db.Model):  # type: ignore[name-defined,misc]
    """A bearer token for the JSON API; only its SHA-256 is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship(back_populates="api_tokens")


class LinkPurpose(enum.StrEnum):
    """Why a password link was sent: to a new member of staff, or to one whose password an admin reset."""

    INVITATION = "invitation"
    RESET = "reset"


class PasswordLink(db.Model):  # type: ignore[name-defined,misc]
    """A one-time link that sets a staff member's password. The token is derived from the app's secret and
    `token_nonce` (so that the email can be made by a background job that takes only this row's id); only its
    hash is kept. Usable once, until `expires_at`: a link given up early (a newer one, a deactivation) has its
    `expires_at` brought forward."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(16))
    token_nonce: Mapped[str] = mapped_column(sa.String(32))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # The email: when the server took it, or why it did not.
    sent_at: Mapped[datetime | None]
    send_error: Mapped[str | None] = mapped_column(sa.Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class LoginThrottle(db.Model):  # type: ignore[name-defined,misc]
    """Failed logins counted for one email, one client address, or one (email, address) pair.

    Keyed by a digest of what is counted, so that an email typed by a stranger is not kept readable,
    and an unknown email gets its row just as a known one does (nothing tells them apart).
    """

    digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    # No login is checked before this moment; it grows with the failures (services.accounts).
    not_before: Mapped[datetime | None]
    last_failure_at: Mapped[datetime | None]
    # For a pair only: when this address last logged in to this account, so that the account's own
    # delay (which anyone can provoke) spares the places its owner works from.
    logged_in_at: Mapped[datetime | None]
