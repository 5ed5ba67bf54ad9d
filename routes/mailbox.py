"""The local mailbox (development): staff read the emails Pavati would have sent."""

import io
from typing import Any

from flask import Blueprint, abort, render_template, send_file

from routes.auth import clerk_required
from services import postbox

bp = Blueprint("mailbox", __name__, url_prefix="/mailbox")


@bp.route("/")
@clerk_required
def index() -> Any:
    box = postbox.local_mailbox()
    return render_template("mailbox/index.html", enabled=box is not None, items=postbox.mailbox_items())


@bp.route("/<key>")
@clerk_required
def show(key: str) -> Any:
    item = postbox.mailbox_item(key)
    if item is None:
        abort(404)
    return render_template("mailbox/show.html", item=item)


@bp.route("/<key>/attachments/<int:number>")
@clerk_required
def attachment(key: str, number: int) -> Any:
    item = postbox.mailbox_item(key)
    if item is None or not 0 <= number < len(item.attachments):
        abort(404)
    name, content_type, data = item.attachments[number]
    return send_file(io.BytesIO(data), mimetype=content_type, download_name=name)
