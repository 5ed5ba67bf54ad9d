"""The web layer: blueprints, CSRF, login, error pages and security headers, wired into the app."""

import logging
from typing import Any

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, InternalServerError

from models import db
from routes import acknowledge, api, auth, circulars, cli, endorsements, mailbox, roster
from services.errors import ServiceError

csrf = CSRFProtect()
log = logging.getLogger(__name__)

# Our own files only; no inline script or style, no framing (clickjacking on the officer's page).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def init_app(app: Flask) -> None:
    """Register blueprints, CSRF (everywhere but the bearer-token API), login, errors and CLI."""
    csrf.init_app(app)
    auth.login_manager.init_app(app)
    for module in (auth, circulars, roster, endorsements, acknowledge, mailbox, api):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)
    # The officer's form checks its CSRF token itself, after the link: a bad link is a 404 first.
    csrf.exempt(acknowledge.bp)
    cli.init_app(app)
    register_error_handlers(app)
    app.after_request(_security_headers)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    """Every error as a page for people or JSON for the API; a 500 also rolls the session back."""

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError) -> Any:
        db.session.rollback()
        if _wants_json():
            return api.json_error(exc)
        return render_template("error.html", code=exc.status, message=exc.message), exc.status

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> Any:
        message = "The form had expired or was sent from elsewhere. Go back, reload the page and try again."
        return render_template("error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if _wants_json():
            return api.json_error(exc)
        return render_template("error.html", code=exc.code, message=exc.description), exc.code or 500

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        log.exception("unexpected error on %s %s", request.method, request.path)
        db.session.rollback()
        return _http_error(InternalServerError())


def _security_headers(response: Any) -> Any:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Links carry tokens: never send them to another site in a Referer header.
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith("/a/"):
        response.headers["Cache-Control"] = "private, no-store"
    return response
