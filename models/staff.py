"""PAR Cell staff: accounts that log in, their roles, their API tokens and the count of failed logins."""

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
