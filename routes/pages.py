"""What the pages share: a service's refusal shown on its form, paging, and PDFs for the browser."""

import io
from typing import Any

from flask import Response, flash, request, send_file
from flask_wtf import FlaskForm

from services import fields
from services.errors import ServiceError


def show_refusal(form: FlaskForm, exc: ServiceError) -> None:
    """Put the service's message beside the field it names, or at the top of the page."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, exc.message]
    flash(exc.message, "error")


def page_number() -> int:
    """The ?page= asked for; anything odd means the first page."""
    return fields.positive_int(request.args.get("page")) or 1


def pages(total: int, per_page: int) -> dict[str, Any]:
    """What the pagination macro needs."""
    page = page_number()
    last = max(1, -(-total // per_page))
    return {"page": page, "last": last, "total": total}


def pdf_response(data: bytes, filename: str, inline: bool = True) -> Response:
    """A PDF for the browser to show (or download), never cached by shared proxies."""
    # send_file writes an ASCII fallback and filename*=UTF-8'' for names in Hindi.
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=not inline, download_name=filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response
