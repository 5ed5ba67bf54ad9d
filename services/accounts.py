"""Staff accounts: creating them, checking passwords (and slowing down guessing), and API tokens."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.security import check_password_hash, generate_password_hash

from models import ApiToken, DbSession, LoginThrottle, PasswordLink, Role, User, db, normalise_email, utcnow
from services import audit, jobs, tokens
from services.errors import Conflict, Invalid, NotFound
from services.fields import unprintable

MIN_PASSWORD = 10
# Checked when the email is unknown, so that the time taken does not tell which emails exist.
_DUMMY_HASH = generate_password_hash("not a real password")


@dataclass(frozen=True)
class Throttle:
    """One way of counting failed logins: `free` failures, then waits doubling from FIRST_WAIT up to `cap`."""

    scope: str
    free: int
    cap: timedelta

    def wait(self, failures: int) -> timedelta:
        """How long after its latest failure a count of `failures` makes the next try wait."""
        if failures <= self.free:
            return timedelta(0)
        return min(self.cap, FIRST_WAIT * 2 ** min(failures - self.free - 1, 20))


FIRST_WAIT = timedelta(seconds=4)
# A count whose latest failure is older than this starts again from one.
FORGET_AFTER = timedelta(days=1)
# One address guessing one account: the attacker's own count; it can grow to a long wait.
PAIR = Throttle("pair", free=5, cap=timedelta(minutes=15))
# One address guessing many accounts. An office behind one NAT address shares it, so more are free.
ADDRESS = Throttle("address", free=20, cap=timedelta(minutes=15))
# Many addresses guessing one account. Anyone can provoke this wait, so it stays short, and an
# address that has logged in to the account before is spared it (see _waiting).
ACCOUNT = Throttle("account", free=10, cap=timedelta(minutes=5))
REFUSED = "Wrong email or password. Too many failed attempts also mean a short wait before the next try."


def create_user(
    session: DbSession, email: str, name: str, role: str, password: str, actor_id: int | None = None
) -> User:
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
    audit.record(session, "user.created", "user", user.id, actor_id, role=role)
    return user


def set_password(session: DbSession, user_id: int, password: str, actor_id: int | None = None) -> None:
    """Change a password; every session and API token made with the old one stops working."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"Password must be at least {MIN_PASSWORD} characters.", "password")
    user.password_hash = generate_password_hash(password)
    user.session_nonce = secrets.token_hex(8)
    end_password_links(session, user.id)  # a reset link sent before must not undo this password
    # A token copied along with the old password must not outlive it.
    revoke_api_tokens(session, user.id, actor_id)
    audit.record(session, "user.password_changed", "user", user.id, actor_id)


def change_password(session: DbSession, user_id: int, current: str, new: str, address: str) -> None:
    """A user changing their own password: the current one must be right. Their sessions (the caller logs
    this one in again) and API tokens end, as with any password change.

    A wrong current password counts as a failed login of the account from `address` (the caller commits even a
    refusal), and the same waits apply: a stolen session cannot guess the password faster than the login page."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such account.")
    account = normalise_email(user.email)
    counts = _lock_counts(session, {ACCOUNT: account, ADDRESS: address, PAIR: f"{account}\n{address}"})
    now = utcnow()
    right = check_password_hash(user.password_hash, current)
    if any(_waiting(throttle, counts, now) for throttle in counts):
        raise Invalid("Too many wrong tries: wait a minute before the next.", "current")
    if not right:
        for throttle, row in counts.items():
            _count_failure(throttle, row, now)
        audit.record(session, "user.password_change_refused", "user", user.id, user.id, address=address)
        raise Invalid("The current password is not right.", "current")
    set_password(session, user_id, new, user_id)


def log_in(session: DbSession, email: str, password: str, address: str, now: datetime | None = None) -> User:
    """The user, if the email and password match and no count of failures asks this try to wait.

    Failures are counted three ways: for the email (whether or not such an account exists), for the
    client `address`, and for the pair. Every refusal says the same words and costs the same password
    check, so neither the message nor the time tells a known email from an unknown one.
    """
    if unprintable(email) or len(email) > 254:
        check_password_hash(_DUMMY_HASH, password)
        raise Invalid(REFUSED, "password")
    account = normalise_email(email)
    counts = _lock_counts(session, {ACCOUNT: account, ADDRESS: address, PAIR: f"{account}\n{address}"})
    now = now or utcnow()  # once the rows are ours: a try that waited for them is judged when it runs
    user = authenticate(session, email, password)  # even when refused: the time taken is the same
    if any(_waiting(throttle, counts, now) for throttle in counts):
        audit.record(session, "user.login_throttled", "user", None, email=account, address=address)
        raise Invalid(REFUSED, "password")
    if user is None:
        for throttle, row in counts.items():
            _count_failure(throttle, row, now)
        audit.record(session, "user.login_failed", "user", None, email=account, address=address)
        raise Invalid(REFUSED, "password")
    for row in counts.values():
        row.failures, row.not_before = 0, None
    counts[PAIR].logged_in_at = now
    user.last_login_at = now
    audit.record(session, "user.logged_in", "user", user.id, user.id)
    return user


def _lock_counts(session: DbSession, counted: dict[Throttle, str]) -> dict[Throttle, LoginThrottle]:
    """The rows counting these, created if new and locked until the caller's commit.

    The INSERT comes first: on SQLite it takes the database's write lock, on PostgreSQL the
    SELECT ... FOR UPDATE then locks the rows. Either way simultaneous tries on the same email or
    address are counted one after another. Rows are taken in digest order, so two tries never
    wait on each other in a circle.
    """
    digests = {throttle: tokens.digest(f"{throttle.scope}:{value}") for throttle, value in counted.items()}
    ordered = sorted(set(digests.values()))
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(LoginThrottle).values([{"digest": d} for d in ordered]).on_conflict_do_nothing())
    rows = session.scalars(
        sa.select(LoginThrottle)
        .where(LoginThrottle.digest.in_(ordered))
        .order_by(LoginThrottle.digest)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    by_digest = {row.digest: row for row in rows}
    return {throttle: by_digest[d] for throttle, d in digests.items()}


def _waiting(throttle: Throttle, counts: dict[Throttle, LoginThrottle], now: datetime) -> bool:
    """True if this count still asks the try to wait."""
    if throttle is ACCOUNT and counts[PAIR].logged_in_at is not None:
        return False  # the owner's usual address: others' guessing must not lock them out
    not_before = counts[throttle].not_before
    return not_before is not None and now < not_before


def _count_failure(throttle: Throttle, row: LoginThrottle, now: datetime) -> None:
    """Add a failure to a locked row, and set how long the next try must wait."""
    stale = row.last_failure_at is None or row.last_failure_at < now - FORGET_AFTER
    row.failures = 1 if stale else row.failures + 1
    row.last_failure_at = now
    wait = throttle.wait(row.failures)
    row.not_before = now + wait if wait else None


def forget_old_failures(session: DbSession, now: datetime | None = None) -> int:
    """Delete failure counts past FORGET_AFTER that carry nothing else (a pair's last login is kept,
    as it spares the owner the account's wait); returns how many."""
    cutoff = (now or utcnow()) - FORGET_AFTER
    result = session.execute(
        sa.delete(LoginThrottle).where(LoginThrottle.last_failure_at < cutoff, LoginThrottle.logged_in_at.is_(None))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


@jobs.job(every="HOUSEKEEPING_EVERY_SECONDS")
def housekeeping() -> None:
    """Timed upkeep: old failed-login counts go, so that strangers' typing is not kept for ever."""
    forget_old_failures(db.session)
    db.session.commit()


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


def issue_api_token(session: DbSession, user_id: int, actor_id: int | None = None) -> str:
    """A new bearer token for the user. Only its hash is stored: the caller shows it once."""
    token = "pvt_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user_id, token_hash=tokens.digest(token))
    session.add(row)
    session.flush()
    audit.record(session, "api_token.issued", "user", user_id, actor_id, token_id=row.id)
    return token


def api_tokens(session: DbSession, user_id: int) -> list[ApiToken]:
    """The user's API tokens, newest first, revoked ones too (they say when each was last used)."""
    return list(session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())))


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


def end_password_links(session: DbSession, user_id: int) -> None:
    """Make the user's unused password links expire now (a new password, a newer link, a deactivation)."""
    now = utcnow()
    session.execute(
        sa.update(PasswordLink)
        .where(PasswordLink.user_id == user_id, PasswordLink.used_at.is_(None), PasswordLink.expires_at > now)
        .values(expires_at=now)
    )


def revoke_api_tokens(session: DbSession, user_id: int, actor_id: int | None = None) -> int:
    """Revoke all the user's API tokens; returns how many were live."""
    result = session.execute(
        sa.update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked.is_(False)).values(revoked=True)
    )
    audit.record(session, "api_token.revoked", "user", user_id, actor_id)
    return int(result.rowcount)  # type: ignore[attr-defined]


def revoke_api_token(session: DbSession, token_id: int, actor_id: int, owner_id: int | None = None) -> ApiToken:
    """Revoke one API token; NotFound if it is not `owner_id`'s (the owner's page, or the admin's page of that user)."""
    row = session.get(ApiToken, token_id)
    if row is None or (owner_id is not None and row.user_id != owner_id):
        raise NotFound("No such API token.")
    if not row.revoked:
        row.revoked = True
        audit.record(session, "api_token.revoked", "user", row.user_id, actor_id, token_id=row.id)
    return row


def deactivate_user(session: DbSession, user_id: int, actor_id: int | None = None) -> None:
    """Lock a staff account: no login, no session, no API token. The record and its history stay."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    user.active = False
    end_sessions(session, user_id)
    revoke_api_tokens(session, user_id, actor_id)
    end_password_links(session, user_id)
    audit.record(session, "user.deactivated", "user", user_id, actor_id)
