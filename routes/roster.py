"""Pages for the roster: the list of officers, importing a sheet (previewed first), (de)activating an officer."""

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from models import db
from routes.auth import clerk_required
from routes.forms import ActionForm, RosterImportForm
from routes.pages import page_number, pages, show_refusal, spreadsheet_response
from services import fields, roster, roster_file
from services.errors import ServiceError
from services.fields import printable

bp = Blueprint("roster", __name__, url_prefix="/officers")
PER_PAGE = 100
# Rows of each kind the preview lists; the counts cover them all.
PREVIEW_ROWS = 200


@bp.route("/")
@login_required
def index() -> Any:
    """The roster, searched, filtered and sorted as the query string says."""
    chosen = roster_filters()
    officers, total = roster.list_officers(db.session, chosen, page_number(), PER_PAGE)
    return render_template(
        "roster/index.html",
        officers=officers,
        paging=pages(total, PER_PAGE),
        action=ActionForm(),
        chosen=chosen,
        facets=roster.facets(db.session),
        sorts=roster.SORTS,
        masked=roster.masked,
        query={k: v for k, v in request.args.items() if k != "page" and v},
    )


def roster_filters() -> roster.RosterFilters:
    """The list's filters from the query string; anything odd is ignored rather than refused."""
    args = request.args
    yes_no = {"1": True, "0": False}
    return roster.RosterFilters(
        q=(printable(args.get("q"), 100) or "").strip(),
        service=printable(args.get("service"), 16) or "",
        cadre=printable(args.get("cadre"), 40) or "",
        batch=fields.positive_int(args.get("batch")),
        active=yes_no.get(args.get("active", "")),
        bounced=yes_no.get(args.get("bounced", "")),
        sort=args.get("sort", "name") if args.get("sort") in roster.SORTS else "name",
    )


@bp.get("/export.<any(csv, xlsx):export>")
@login_required
def download(export: str) -> Any:
    """The roster as the list's filters find it, as a spreadsheet."""
    return roster_download(export, current_user.id)


def roster_download(export: str, actor_id: int) -> Response:
    """The roster as the filters find it, as a CSV or XLSX file (the page's button and the API alike)."""
    chosen = roster_filters()
    return spreadsheet_response(export, lambda format: roster.exported(db.session, chosen, format, actor_id), "roster")


@bp.route("/<id:officer_id>")
@login_required
def show(officer_id: int) -> Any:
    """An officer's page: particulars, letters sent and answers, and the emails they had before."""
    return _show(officer_id, mobile=None)


@bp.post("/<id:officer_id>/mobile")
@clerk_required
def mobile(officer_id: int) -> Any:
    """The officer's page with the mobile number in full, for the staff member who asked (audited)."""
    if not ActionForm().validate_on_submit():
        flash("The form had expired; ask again.", "error")
        return redirect(url_for("roster.show", officer_id=officer_id))
    number = roster.reveal_mobile(db.session, officer_id, current_user.id)
    db.session.commit()
    return _show(officer_id, mobile=number)


def _show(officer_id: int, mobile: str | None) -> Any:
    officer = roster.get_officer(db.session, officer_id)
    return render_template(
        "roster/show.html",
        officer=officer,
        letters=roster.letters_sent(db.session, officer_id),
        mobile=mobile if mobile is not None else roster.masked(officer.mobile),
        revealed=mobile is not None,
        labels=roster.LABELS,
        action=ActionForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
@clerk_required
def new() -> Any:
    """Add one officer by hand."""
    return _edit(None)


@bp.route("/<id:officer_id>/edit", methods=["GET", "POST"])
@clerk_required
def edit(officer_id: int) -> Any:
    """Change an officer's particulars; a new email keeps the old one in their history."""
    return _edit(officer_id)


def _edit(officer_id: int | None) -> Any:
    officer = roster.get_officer(db.session, officer_id) if officer_id is not None else None
    values = {name: getattr(officer, name) if officer else "" for name in roster.LABELS}
    error: ServiceError | None = None
    form = ActionForm()
    if form.validate_on_submit():
        given = {name: request.form.get(name, "") for name in roster.LABELS}
        try:
            saved = roster.save_officer(db.session, officer_id, given, current_user.id)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            error, values = exc, given
        else:
            flash(f"{saved.name} {'saved' if officer else 'added to the roster'}.", "success")
            return redirect(url_for("roster.show", officer_id=saved.id))
    elif request.method == "POST":
        flash("Nothing was saved: the form had expired. Try again.", "error")
    return render_template(
        "roster/edit.html", officer=officer, values=values, labels=roster.LABELS, error=error, form=form
    ), (422 if error else 200)


@bp.route("/import", methods=["GET", "POST"])
@clerk_required
def import_file() -> Any:
    """Step one: upload the roster; it is checked and kept, and the preview shows what importing it would do."""
    form = RosterImportForm()
    if form.validate_on_submit():
        try:
            ticket = roster.keep_upload(form.file.data.read())
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            return _preview(ticket, None)
    return render_template("roster/import.html", form=form)


@bp.post("/import/preview")
@clerk_required
def preview() -> Any:
    """The preview again, with the columns as the clerk marked them."""
    if not ActionForm().validate_on_submit():
        return _start_again("Nothing was checked: the form had expired. Upload the file again.")
    return _preview(request.form.get("ticket", ""), _mapping())


@bp.post("/import/apply")
@clerk_required
def apply() -> Any:
    """Step two: import as previewed (matched again now, in case the roster changed meanwhile)."""
    if not ActionForm().validate_on_submit():
        return _start_again("Nothing was imported: the form had expired. Upload the file again.")
    try:
        result = roster.import_kept(db.session, request.form.get("ticket", ""), _mapping(), current_user.id)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        return _start_again(f"Nothing was imported: {exc.message}")
    flash(
        f"Roster imported: {result.created} new, {result.updated} updated, "
        f"{result.unchanged} unchanged, {len(result.errors)} rows left out.",
        "success" if not result.errors else "warning",
    )
    return redirect(url_for("roster.index"))


def _start_again(message: str) -> Any:
    flash(message, "error")
    return redirect(url_for("roster.import_file"))


def _mapping() -> dict[int, str]:
    """The columns as the clerk marked them on the preview (the field "col-3" says what column 3 holds)."""
    marked = {}
    for key, value in request.form.items():
        if key.startswith("col-") and key[4:].isdigit() and value in roster.LABELS:
            marked[int(key[4:])] = value
    return marked


def _preview(ticket: str, mapping: dict[int, str] | None) -> Any:
    """What importing the kept roster would do, or why it cannot, beside the columns to mark."""
    try:
        sheet = roster.read_kept(ticket)
    except ServiceError as exc:
        return _start_again(exc.message)
    mapping = roster_file.guess_mapping(sheet.header) if mapping is None else mapping
    plan = None
    try:
        plan = roster.plan_import(db.session, sheet, mapping).as_json()
    except ServiceError as exc:
        flash(exc.message, "error")
    return render_template(
        "roster/preview.html",
        ticket=ticket,
        header=sheet.header,
        mapping=mapping,
        labels=roster.LABELS,
        plan=plan,
        shown=PREVIEW_ROWS,
    )


@bp.route("/<id:officer_id>/active", methods=["POST"])
@clerk_required
def set_active(officer_id: int) -> Any:
    choice = request.form.get("active")
    if ActionForm().validate_on_submit() and choice in ("0", "1"):
        active = choice == "1"
        officer = roster.set_active(db.session, officer_id, active, current_user.id)
        db.session.commit()
        flash(f"{officer.name} is now {'active' if active else 'inactive'}.", "success")
    else:
        flash("Nothing was changed: the form was incomplete or had expired.", "error")
    return redirect(url_for("roster.index", page=page_number()))
