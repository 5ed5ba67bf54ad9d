"""Pavati as production serves it (wsgi:app), with two reference POSTs for bench/acknowledge_load.py.

The answer POST is measured against /healthz. These two say where that ratio's ceiling lies on the machine
the bench runs on, in the same server and the same run:
- POST /bench/form/<token>: the officer's form as the answer's route takes it (the session cookie opened, the
  form parsed, its CSRF token checked), then the same 303, with no database at all;
- POST /bench/write/<token>: that, and the least an answer can store: one row in `acknowledgement`, found by
  the link's hash, inserted in one statement of plain SQL and committed durably.
Neither is part of the app: gunicorn loads them only from here.
"""

import sqlalchemy as sa
from flask import abort, redirect, request

from models import db
from services import tokens
from wsgi import app


def _answered(token: str) -> object:
    """The 303 the answer's route gives, once the form passed the app's CSRF check (these routes are not exempt)."""
    if "response" not in request.form:
        abort(400)
    return redirect(f"/a/{token}/thanks", code=303)


@app.post("/bench/form/<token>")
def form_only(token: str) -> object:
    return _answered(token)


@app.post("/bench/write/<token>")
def one_write(token: str) -> object:
    stored = db.session.execute(
        sa.text(
            "INSERT INTO acknowledgement (recipient_id, response, details, state, at)"
            " SELECT id, :response, '{}', 'pending', CURRENT_TIMESTAMP FROM recipient WHERE token_hash = :hash"
        ),
        {"response": request.form["response"][:16], "hash": tokens.digest(token)},
    ).rowcount
    db.session.commit()
    if stored != 1:
        abort(404)
    return _answered(token)
