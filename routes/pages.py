"""What the pages share: a service's refusal shown on its form, paging, and PDFs for the browser."""

import io
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, abort, flash, redirect, request, send_file, url_for
from flask_wtf import FlaskForm

from models import db
from services import fields, roster_export
from services.errors import Invalid, ServiceError

T = TypeVar("T")


def show_refusal(form: FlaskForm, exc: ServiceError) -> None:
    """Put the service's message beside the field it names, or at the top of the page."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, exc.message]
    flash(exc.message, "error")


def committed(run: Callable[[], T]) -> tuple[bool, T | None]:
    """Run one service call as its own unit of work: (True, its outcome) once committed, or (False, None) once
    rolled back with the service's refusal flashed."""
    try:
        outcome = run()
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return False, None
    return True, outcome


def spreadsheet_response(export: str, make: Callable[[str], bytes], name: str) -> Response:
    """A download of `make(export)` as `name`.csv or .xlsx (the pages' buttons and the API alike), committed
    (the services audit it); any other format is refused before anything is read."""
    if export not in roster_export.FORMATS:
        raise Invalid(f"format must be one of {', '.join(roster_export.FORMATS)}.", "format")
    data = make(export)
    db.session.commit()  # what `make` recorded (who took the copy) is kept with the download
    return Response(
        data,
        content_type=roster_export.FORMATS[export],  # as it is: mimetype= would add a second charset
        headers={"Content-Disposition": f"attachment; filename={name}.{export}"},
    )


def page_number() -> int:
    """The ?page= asked for; anything odd means the first page."""
    return fields.positive_int(request.args.get("page")) or 1


def pages(total: int, per_page: int) -> dict[str, Any]:
    """What the pagination macro needs. A page past the end (a bookmark from when the list was longer) goes to
    the last page, so that a list's "nothing here" is only ever said of an empty list."""
    page = page_number()
    last = max(1, -(-total // per_page))
    if page > last:
        query: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict(flat=False), "page": last}
        abort(redirect(url_for(str(request.endpoint), **query)))
    return {"page": page, "last": last, "total": total}


def pdf_response(data: bytes, filename: str, inline: bool = True) -> Response:
    """A PDF for the browser to show (or download), never cached by shared proxies."""
    # send_file writes an ASCII fallback and filename*=UTF-8'' for names in Hindi.
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=not inline, download_name=filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response
