"""Staff login and logout, and the role checks every staff page uses."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from models import User, db
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


def clerk_required(view: F) -> F:
    """Staff who may change things (admins and clerks); viewers get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.can_work():
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def safe_next(target: str | None) -> str:
    """Where to go after login: only a path on this site, never another host."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            and "\\" not in target
        ):
            return target
    return url_for("circulars.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("circulars.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.log_in(db.session, form.email.data or "", form.password.data or "")
        except ServiceError as exc:
            db.session.commit()  # the failed attempt is recorded
            flash(exc.message, "error")
        else:
            db.session.commit()
            login_user(user)
            flash(f"Welcome, {user.name}.", "success")
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    accounts.end_sessions(db.session, current_user.id)
    db.session.commit()
    logout_user()
    flash("You have logged out.", "success")
    return redirect(url_for("auth.login"))
