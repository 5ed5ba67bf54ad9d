"""Staff administration: inviting, roles, deactivating and reactivating accounts, and the one-time links that
set a password (an invitation, or a reset an admin sends), mailed by a background job."""

import logging
import secrets
import smtplib
from collections.abc import Callable
from datetime import timedelta
from email.utils import make_msgid

import sqlalchemy as sa
from flask import current_app, render_template

from models import DbSession, LinkPurpose, PasswordLink, Role, User, db, utcnow
from services import accounts, audit, emails, jobs, tokens
from services.errors import Conflict, Invalid, NotFound
from services.postbox import postbox

log = logging.getLogger(__name__)

# Long enough for a weekend and a holiday; short enough that an old email in an inbox is no key.
LINK_LIFETIME = timedelta(hours=72)
_PURPOSE = "pavati-password"
# One message for an unknown, used or expired link, and for a deactivated account's: it tells nobody which.
DEAD_LINK = (
    "This link cannot be used: it has expired or has been used already. Ask the Cell's administrator for a new one."
)
LAST_ADMIN = "Pavati must keep at least one active admin: make another admin first."
SUBJECTS = {
    LinkPurpose.INVITATION: "Your Pavati account: set your password",
    LinkPurpose.RESET: "Pavati: set a new password",
}


def staff(session: DbSession) -> list[User]:
    """Every staff account, active ones first, by name."""
    return list(session.scalars(sa.select(User).order_by(User.active.desc(), User.name, User.id)))


def latest_links(session: DbSession) -> dict[int, PasswordLink]:
    """Each user's newest password link (to show whether an invitation or reset is waiting, used, or failed)."""
    newest = sa.select(sa.func.max(PasswordLink.id)).group_by(PasswordLink.user_id)
    return {link.user_id: link for link in session.scalars(sa.select(PasswordLink).where(PasswordLink.id.in_(newest)))}


def account(session: DbSession, user_id: int) -> User:
    """One staff account, or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such staff member.")
    return user


def invite(session: DbSession, email: str, name: str, role: str, actor_id: int) -> User:
    """A new account with a password nobody knows, and an email with a link to set one."""
    user = accounts.create_user(session, email, name, role, secrets.token_urlsafe(32), actor_id)
    _send_link(session, user, LinkPurpose.INVITATION, actor_id)
    return user


def reset_password(session: DbSession, user_id: int, actor_id: int) -> None:
    """Email the user a link to set a new password.

    The old password keeps working until the link is used: only an admin can ask for a reset, so
    nobody can lock a colleague out by asking, and an email that goes astray costs them nothing. An
    admin who fears the password is known deactivates the account instead, which ends everything at once.
    """
    user = account(session, user_id)
    if not user.active:
        raise Conflict("The account is deactivated: reactivate it first.")
    _send_link(session, user, LinkPurpose.INVITATION if _still_invited(session, user) else LinkPurpose.RESET, actor_id)


def _still_invited(session: DbSession, user: User) -> bool:
    """True if the user was invited and has never set a password: a new link is the invitation again."""
    links = session.scalars(sa.select(PasswordLink).where(PasswordLink.user_id == user.id)).all()
    invited = any(link.purpose == LinkPurpose.INVITATION.value for link in links)
    return invited and user.last_login_at is None and all(link.used_at is None for link in links)


def _send_link(session: DbSession, user: User, purpose: LinkPurpose, actor_id: int) -> None:
    """A new link for the user (any earlier one dies: only the newest email works), mailed once committed."""
    accounts.end_password_links(session, user.id)
    nonce = secrets.token_hex(16)
    link = PasswordLink(
        user_id=user.id,
        purpose=purpose.value,
        token_nonce=nonce,
        token_hash=tokens.digest(tokens.derived(_PURPOSE, nonce)),
        created_by_id=actor_id,
        expires_at=utcnow() + LINK_LIFETIME,
    )
    session.add(link)
    session.flush()
    audit.record(session, f"user.{purpose.value}_sent", "user", user.id, actor_id, link_id=link.id)
    jobs.run_after_commit(session, send_password_link, link.id)


@jobs.job
def send_password_link(link_id: int) -> None:
    """Mail a password link (once: a job run twice finds it sent). A refusal is kept on the link, for the
    staff page to show; the admin sends a new link once the address or the server is put right."""
    link = db.session.get(PasswordLink, link_id)
    if link is None or link.sent_at or not _live(link):
        return
    try:
        message = _compose(link)
        with postbox().open() as out:
            out.send(message.sender[1], [message.to[1]], message.as_bytes())
    except (smtplib.SMTPException, OSError, emails.BadHeader) as exc:
        log.warning("password link %s not sent: %s", link_id, exc)
        link.send_error = str(exc)[:500] or type(exc).__name__
    else:
        link.sent_at, link.send_error = utcnow(), None
    db.session.commit()


def _compose(link: PasswordLink) -> emails.Email:
    config = current_app.config
    url = f"{config['PUBLIC_BASE_URL'].rstrip('/')}/password/{tokens.derived(_PURPOSE, link.token_nonce)}"
    hours = int(LINK_LIFETIME.total_seconds() // 3600)
    context = {"user": link.user, "purpose": link.purpose, "link": url, "hours": hours}
    return emails.Email(
        sender=emails.sender(config["MAIL_DEFAULT_SENDER"]),
        to=(link.user.name, link.user.email),
        subject=SUBJECTS[LinkPurpose(link.purpose)],
        message_id=make_msgid("pavati", config["MAIL_MSGID_DOMAIN"]),
        sent_at=utcnow(),
        text=render_template("email/password_link.txt", **context),
        html=render_template("email/password_link.html", **context),
    )


def _live(link: PasswordLink) -> bool:
    return link.used_at is None and link.expires_at > utcnow() and link.user.active


def _by_token(token: str) -> sa.ColumnElement[bool]:
    if not token or len(token) > 100:
        raise NotFound(DEAD_LINK)
    return PasswordLink.token_hash == tokens.digest(token)


def password_link(session: DbSession, token: str) -> PasswordLink:
    """The live link a token opens (reading only: opening the page changes nothing), or NotFound."""
    link = session.scalar(sa.select(PasswordLink).where(_by_token(token)))
    if link is None or not _live(link):
        raise NotFound(DEAD_LINK)
    return link


def use_password_link(session: DbSession, token: str, password: str) -> User:
    """Set the password through a live link, which then dies; every session and API token of the user ends.

    The link is spent by one UPDATE that only an unused, unexpired link matches: of two tries at once,
    the database lets one through. A refused password rolls back with the caller, leaving the link usable.
    """
    now = utcnow()
    spent = session.execute(
        sa.update(PasswordLink)
        .where(_by_token(token), PasswordLink.used_at.is_(None), PasswordLink.expires_at > now)
        .values(used_at=now)
    )
    link = session.scalar(sa.select(PasswordLink).where(_by_token(token)))
    if not spent.rowcount or link is None or not link.user.active:  # type: ignore[attr-defined]
        raise NotFound(DEAD_LINK)
    accounts.set_password(session, link.user_id, password, link.user_id)
    audit.record(session, "user.password_link_used", "user", link.user_id, link.user_id, link_id=link.id)
    return link.user


def change_role(session: DbSession, user_id: int, role: str, actor_id: int) -> User:
    """Give the user another role; never the last active admin's."""
    if role not in {r.value for r in Role}:
        raise Invalid(f"Role must be one of {', '.join(r.value for r in Role)}.", "role")
    user = account(session, user_id)
    before = user.role
    if before != role:

        def change() -> None:
            user.role = role

        _keeping_an_admin(session, change)
        audit.record(session, "user.role_changed", "user", user.id, actor_id, before=before, after=role)
    return user


def deactivate(session: DbSession, user_id: int, actor_id: int) -> User:
    """Lock the account (its sessions, API tokens and password links end); never the last active admin's."""
    user = account(session, user_id)
    if user.active:
        _keeping_an_admin(session, lambda: accounts.deactivate_user(session, user_id, actor_id))
    return user


def reactivate(session: DbSession, user_id: int, actor_id: int) -> User:
    """Let a deactivated account log in again, with its old password (its API tokens stay revoked)."""
    user = account(session, user_id)
    if not user.active:
        user.active = True
        audit.record(session, "user.reactivated", "user", user.id, actor_id)
    return user


def _active_admins() -> sa.Select[tuple[int]]:
    return sa.select(User.id).where(User.role == Role.ADMIN.value, User.active.is_(True))


def _keeping_an_admin(session: DbSession, change: Callable[[], None]) -> None:
    """Make `change`, refusing it (Conflict) if it leaves no active admin.

    PostgreSQL: the active admins' rows are locked first, so two admins demoting each other at once
    take turns and the second sees the first's change. SQLite: the change's write takes the database
    lock before the count, which then sees every earlier writer's commit.
    """
    session.scalars(_active_admins().order_by(User.id).with_for_update()).all()
    change()
    session.flush()
    if not session.scalar(sa.select(sa.func.count()).select_from(_active_admins().subquery())):
        raise Conflict(LAST_ADMIN)
