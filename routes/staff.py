"""The staff page, for admins: accounts, invitations, roles, deactivation, password resets and API tokens."""

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from models import db, utcnow
from routes.auth import admin_required
from routes.forms import ActionForm, InviteForm, RoleForm
from routes.pages import committed, show_refusal
from services import accounts, staff
from services.errors import ServiceError

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/", methods=["GET", "POST"])
@admin_required
def index() -> Any:
    """Every account; the form below invites a new member of staff."""
    form = InviteForm()
    if form.validate_on_submit():
        try:
            email, name = form.email.data or "", form.name.data or ""
            user = staff.invite(db.session, email, name, form.role.data, current_user.id)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            show_refusal(form, exc)
        else:
            flash(f"{user.name} is invited: an email with a link to set a password is on its way.", "success")
            return redirect(url_for("staff.show", user_id=user.id))
    users, links = staff.staff(db.session), staff.latest_links(db.session)
    status = 422 if form.errors else 200
    return render_template("staff/index.html", users=users, links=links, form=form, now=utcnow()), status


@bp.get("/<id:user_id>")
@admin_required
def show(user_id: int) -> Any:
    """One account: its role, its password link, its API tokens, and what an admin may do to it."""
    user = staff.account(db.session, user_id)
    return render_template(
        "staff/show.html",
        user=user,
        link=staff.latest_links(db.session).get(user.id),
        tokens=accounts.api_tokens(db.session, user.id),
        role_form=RoleForm(role=user.role),
        action=ActionForm(),
        now=utcnow(),
    )


@bp.post("/<id:user_id>/role")
@admin_required
def change_role(user_id: int) -> Any:
    form = RoleForm()
    return _act(
        user_id,
        form,
        lambda: staff.change_role(db.session, user_id, form.role.data, current_user.id),
        lambda user: f"{user.name} is now {user.role}.",
    )


def _act(user_id: int, form: ActionForm | RoleForm, change: Callable[[], Any], said: Callable[[Any], str]) -> Any:
    """One of an admin's buttons on an account's page: the change, committed (or its refusal shown), then back."""
    if form.validate_on_submit():
        done, result = committed(change)
        if done:
            flash(said(result), "success")
    return redirect(url_for("staff.show", user_id=user_id))


@bp.post("/<id:user_id>/deactivate")
@admin_required
def deactivate(user_id: int) -> Any:
    return _act(
        user_id,
        ActionForm(),
        lambda: staff.deactivate(db.session, user_id, current_user.id),
        lambda user: f"{user.name} can no longer log in: their sessions and API tokens have ended.",
    )


@bp.post("/<id:user_id>/reactivate")
@admin_required
def reactivate(user_id: int) -> Any:
    return _act(
        user_id,
        ActionForm(),
        lambda: staff.reactivate(db.session, user_id, current_user.id),
        lambda user: f"{user.name} can log in again with their password.",
    )


@bp.post("/<id:user_id>/reset")
@admin_required
def reset_password(user_id: int) -> Any:
    return _act(
        user_id,
        ActionForm(),
        lambda: staff.reset_password(db.session, user_id, current_user.id),
        lambda _: "A link to set a new password is on its way; the old password works until it is used.",
    )


@bp.post("/<id:user_id>/tokens/<id:token_id>/revoke")
@admin_required
def revoke_token(user_id: int, token_id: int) -> Any:
    return _act(
        user_id,
        ActionForm(),
        lambda: accounts.revoke_api_token(db.session, token_id, current_user.id, user_id),
        lambda _: "The API token is revoked.",
    )
