"""Staff login and logout, and the role checks every staff page uses."""

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from models import Role, User, db
from routes.forms import LoginForm
from services import accounts
from services.errors import ServiceError

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to continue."
login_manager.session_protection = "strong"

F = TypeVar("F", bound=Callable[..., Any])


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    return accounts.user_for_session(db.session, session_id)


def staff_who(may: Callable[[User], bool]) -> Callable[[F], F]:
    """A view for logged-in staff of whom `may` holds; others get 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not may(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


# Staff who may change things (everyone but viewers); who may approve (issue) letters; admins only.
clerk_required = staff_who(User.can_work)
approver_required = staff_who(User.can_approve)
admin_required = staff_who(lambda user: user.role == Role.ADMIN)


# A path (and query) on this site, in the characters a URL may hold: no spaces and no control
# characters, which browsers silently drop (turning "/\t/evil" into "//evil") or which would
# split the Location header; never "//" or a backslash, which browsers read as another host.
_LOCAL_URL = re.compile(r"/(?!/)[A-Za-z0-9\-._~!$&'()*+,;=:@/?%#]*")


def safe_next(target: str | None) -> str:
    """Where to go after login: only a plain path on this site, else the circulars."""
    if target and _LOCAL_URL.fullmatch(target) and not urlsplit(target).netloc:
        return target
    return url_for("circulars.index")


def _new_csrf_secret() -> None:
    """Forget the session's CSRF secret, so that a form token fetched before is refused after.

    Flask-WTF keeps its raw secret in the session and this request's signed token in `g`; both go,
    and the next form made gets a new one.
    """
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("circulars.index"))
    form = LoginForm()
    if form.validate_on_submit():
        target = safe_next(request.args.get("next"))
        try:
            user = accounts.log_in(
                db.session, form.email.data or "", form.password.data or "", request.remote_addr or ""
            )
        except ServiceError as exc:
            db.session.commit()  # the failed attempt is counted
            flash(exc.message, "error")
        else:
            db.session.commit()
            _new_csrf_secret()
            login_user(user)
            flash(f"Welcome, {user.name}.", "success")
            return redirect(target)
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    accounts.end_sessions(db.session, current_user.id)
    db.session.commit()
    logout_user()
    _new_csrf_secret()
    flash("You have logged out.", "success")
    return redirect(url_for("auth.login"))
