"""Staff accounts: creating them, checking passwords, and API tokens."""

import secrets
from datetime import timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from werkzeug.security import check_password_hash, generate_password_hash

from models import ApiToken, DbSession, Role, User, normalise_email, utcnow
from services import audit, tokens
from services.errors import Conflict, Invalid, NotFound
from services.fields import unprintable

MIN_PASSWORD = 10
MAX_FAILED_LOGINS = 10
LOGIN_WINDOW = timedelta(minutes=15)
# Checked when the email is unknown, so that the time taken does not tell which emails exist.
_DUMMY_HASH = generate_password_hash("not a real password")


def create_user(session: DbSession, email: str, name: str, role: str, password: str) -> User:
    """A new staff account. The email must be new, the role known and the password long enough."""
    try:
        email = normalise_email(validate_email(email, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise Invalid(f"Email: {exc}", "email") from exc
    if role not in {r.value for r in Role}:
        raise Invalid(f"Role must be one of {', '.join(r.value for r in Role)}.", "role")
    if not name.strip():
        raise Invalid("Name is required.", "name")
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"Password must be at least {MIN_PASSWORD} characters.", "password")
    if session.scalar(sa.select(User).where(User.email == email)):
        raise Conflict(f"A user with email {email} already exists.", "email")
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=generate_password_hash(password),
        session_nonce=secrets.token_hex(8),
    )
    session.add(user)
    session.flush()
    audit.record(session, "user.created", "user", user.id, role=role)
    return user


def set_password(session: DbSession, user_id: int, password: str) -> None:
    """Change a password; every session logged in with the old one stops working."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"Password must be at least {MIN_PASSWORD} characters.", "password")
    user.password_hash = generate_password_hash(password)
    user.session_nonce = secrets.token_hex(8)
    audit.record(session, "user.password_changed", "user", user.id)


def log_in(session: DbSession, email: str, password: str) -> User:
    """The user, if the email and password match.

    Each try on a known account first takes one of MAX_FAILED_LOGINS places in a LOGIN_WINDOW,
    by a conditional UPDATE of the user's row: that row lock makes simultaneous tries count one
    after another, so the limit holds under parallel guessing too. A success clears the count.
    """
    if unprintable(email) or len(email) > 254:
        raise Invalid("Wrong email or password.", "password")
    key = normalise_email(email)
    now = utcnow()
    window_over = sa.or_(User.login_window_start.is_(None), User.login_window_start < now - LOGIN_WINDOW)
    took_place = session.execute(
        sa.update(User)
        .where(User.email == key, sa.or_(window_over, User.failed_logins < MAX_FAILED_LOGINS))
        .values(
            failed_logins=sa.case((window_over, 1), else_=User.failed_logins + 1),
            login_window_start=sa.case((window_over, now), else_=User.login_window_start),
        )
        .execution_options(synchronize_session=False)
    )
    known = session.scalar(sa.select(User.id).where(User.email == key)) is not None
    if known and took_place.rowcount != 1:  # type: ignore[attr-defined]
        minutes = int(LOGIN_WINDOW.total_seconds() // 60)
        raise Invalid(f"Too many failed attempts for this email; try again in {minutes} minutes.", "email")
    user = authenticate(session, email, password)
    if user is None:
        audit.record(session, "user.login_failed", "user", None, email=key)
        raise Invalid("Wrong email or password.", "password")
    user.failed_logins = 0
    user.login_window_start = None
    audit.record(session, "user.logged_in", "user", user.id, user.id)
    return user


def authenticate(session: DbSession, email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    if unprintable(email) or len(email) > 254:
        return None
    user = session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def user_for_session(session: DbSession, session_id: str) -> User | None:
    """The user a login cookie names, if its nonce still matches (i.e. no password change since)."""
    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = session.get(User, int(user_id))
    if user is None or not secrets.compare_digest(user.session_nonce, nonce):
        return None
    return user


def find_user(session: DbSession, email: str) -> User:
    """The user with this email, or NotFound."""
    user = session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise NotFound(f"No user with email {email}.")
    return user


def issue_api_token(session: DbSession, user_id: int) -> str:
    """A new bearer token for the user. Only its hash is stored: the caller shows it once."""
    token = "pvt_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user_id, token_hash=tokens.digest(token)))
    audit.record(session, "api_token.issued", "user", user_id)
    return token


def user_for_api_token(session: DbSession, token: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    row = session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == tokens.digest(token), ApiToken.revoked.is_(False))
    )
    if row is None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    return row.user


def end_sessions(session: DbSession, user_id: int) -> None:
    """Make every login cookie of this user invalid (on logout: a copied cookie is useless after)."""
    user = session.get(User, user_id)
    if user is not None:
        user.session_nonce = secrets.token_hex(8)


def revoke_api_tokens(session: DbSession, user_id: int) -> int:
    """Revoke all the user's API tokens; returns how many were live."""
    result = session.execute(
        sa.update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked.is_(False)).values(revoked=True)
    )
    audit.record(session, "api_token.revoked", "user", user_id)
    return int(result.rowcount)  # type: ignore[attr-defined]


def deactivate_user(session: DbSession, user_id: int) -> None:
    """Lock a staff account: no login, no session, no API token. The record and its history stay."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    user.active = False
    end_sessions(session, user_id)
    revoke_api_tokens(session, user_id)
    audit.record(session, "user.deactivated", "user", user_id)
