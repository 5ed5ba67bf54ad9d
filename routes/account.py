"""Each staff member's own account (API tokens, password), and the one-time link page that sets a password."""

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user

from models import db
from routes.forms import ActionForm, ChangePasswordForm, NewPasswordForm
from routes.pages import committed, show_refusal
from services import accounts, staff
from services.errors import NotFound, ServiceError

bp = Blueprint("account", __name__)


def _page(password_form: ChangePasswordForm | None = None, new_token: str | None = None, status: int = 200) -> Any:
    return render_template(
        "account/index.html",
        tokens=accounts.api_tokens(db.session, current_user.id),
        password_form=password_form or ChangePasswordForm(formdata=None),
        action=ActionForm(),
        new_token=new_token,
    ), status


@bp.get("/account")
@login_required
def index() -> Any:
    """My account: my API tokens and my password."""
    return _page()


@bp.post("/account/tokens")
@login_required
def new_token() -> Any:
    """A new API token, shown on this page once: only its hash is kept."""
    if not ActionForm().validate_on_submit():
        return redirect(url_for("account.index"))
    token = accounts.issue_api_token(db.session, current_user.id, current_user.id)
    db.session.commit()
    return _page(new_token=token)


@bp.post("/account/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Any:
    if ActionForm().validate_on_submit():
        done, _ = committed(lambda: accounts.revoke_api_token(db.session, token_id, current_user.id, current_user.id))
        if done:
            flash("The API token is revoked.", "success")
    return redirect(url_for("account.index"))


@bp.post("/account/password")
@login_required
def change_password() -> Any:
    """Change my password: my other sessions and my API tokens end; this session goes on."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts.change_password(
                db.session, user.id, form.current.data or "", form.password.data or "", request.remote_addr or ""
            )
            db.session.commit()
        except ServiceError as exc:
            # Kept: a wrong current password is counted (nothing else is written before a refusal).
            db.session.commit()
            show_refusal(form, exc)
        else:
            login_user(user)  # this session, under the new nonce
            flash("Your password is changed. Your other sessions and your API tokens have ended.", "success")
            return redirect(url_for("account.index"))
    return _page(password_form=form, status=422)


@bp.route("/password/<token>", methods=["GET", "POST"])
def password_link(token: str) -> Any:
    """The page a password link opens (no login): opening it records nothing; the form sets the password once."""
    try:
        link = staff.password_link(db.session, token)
    except NotFound as exc:
        return render_template("account/link_dead.html", message=exc.message), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            staff.use_password_link(db.session, token, form.password.data or "")
            db.session.commit()
        except NotFound as exc:  # used or expired since the page was opened
            db.session.rollback()
            return render_template("account/link_dead.html", message=exc.message), 404
        except ServiceError as exc:
            db.session.rollback()
            show_refusal(form, exc)
        else:
            flash("Your password is set. Log in with your email and the new password.", "success")
            return redirect(url_for("auth.login"))
    return render_template("account/password.html", form=form, user=link.user), (422 if form.errors else 200)
