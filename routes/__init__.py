"""The web layer: blueprints, CSRF, login, request bodies, error pages and security headers, wired into the app."""

import logging
from datetime import datetime
from typing import Any

from flask import Flask, Request, Response, current_app, make_response, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError, SecurityError
from werkzeug.routing import IntegerConverter
from werkzeug.serving import WSGIRequestHandler

from models import db
from routes import (
    account,
    acknowledge,
    api,
    audit,
    auth,
    circulars,
    cli,
    endorsements,
    health,
    mailbox,
    mismatches,
    office,
    officer_web,
    reconciliations,
    roster,
    staff,
    verify,
)
from services import days
from services.errors import Conflict, Invalid, ServiceError

csrf = CSRFProtect()
log = logging.getLogger(__name__)

# Our own files only; no inline script or style, no framing (clickjacking on the officer's page).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class IdConverter(IntegerConverter):
    """A record id in a URL: a positive integer that fits the database's integer column."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=2**31 - 1)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, where a body nested too deeply for the parser is malformed (a ValueError) like any other."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply") from exc


class BodyRequest(Request):
    """A request whose body, sent as JSON but unreadable, is a 400 on every route.

    Even when a view asks for the JSON `silent`ly (an optional body): otherwise a broken body would
    read as no body at all, and the view would go ahead without what the client meant to say.
    """

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        if (force or self.is_json) and self.get_data(cache=True):
            silent = False
        return super().get_json(force=force, silent=silent, cache=cache)

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if e is None:  # not sent as JSON: werkzeug's 415
            return super().on_json_loading_failed(e)
        raise BadRequest("The body is not valid JSON.") from e


def init_app(app: Flask) -> None:
    """Register blueprints, CSRF (everywhere but the bearer-token API), login, bodies, errors and CLI."""
    app.request_class = BodyRequest
    app.json = JSONProvider(app)
    _name_the_server_plainly()
    app.url_map.converters["id"] = IdConverter
    csrf.init_app(app)
    auth.login_manager.init_app(app)
    officer_web.init_app(app)
    for module in (
        auth,
        circulars,
        roster,
        endorsements,
        reconciliations,
        mismatches,
        acknowledge,
        mailbox,
        audit,
        office,
        api,
        health,
        verify,
        staff,
        account,
    ):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)
    # The officer's form checks its CSRF token itself, after the link: a bad link is a 404 first.
    csrf.exempt(acknowledge.bp)
    # iGOT's export may be larger than other uploads: its page raises the request's limit before the body is read,
    # and its form checks the CSRF token itself.
    csrf.exempt(reconciliations.upload)
    cli.init_app(app)
    app.add_template_filter(office_time)
    register_error_handlers(app)
    app.after_request(_security_headers)


def office_time(moment: datetime | None) -> str:
    """A stored (UTC) time as the office reads it: in its own time zone, day first."""
    if moment is None:
        return ""
    return moment.astimezone(days.zone()).strftime("%d.%m.%Y %H:%M")


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    """Every error as a page for people or JSON for the API; a 500 also rolls the session back."""

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError) -> Any:
        db.session.rollback()
        if _wants_json():
            return api.json_error(exc)
        return _error_page(exc.status, exc.message)

    @app.errorhandler(sa_exc.IntegrityError)
    def _clash(exc: sa_exc.IntegrityError) -> Any:
        # Two people (or two clicks) doing the same thing at once: the database kept one.
        db.session.rollback()
        return _service_error(Conflict("Someone did the same thing at the same moment; reload the page to see it."))

    @app.errorhandler(sa_exc.DataError)
    def _unstorable(exc: sa_exc.DataError) -> Any:
        # The services check what they store; this is the net under them (PostgreSQL is the stricter).
        log.warning("value refused by the database on %s %s: %s", request.method, request.path, exc)
        db.session.rollback()
        return _service_error(Invalid("A value given cannot be stored; check it for odd characters or sizes."))

    @app.errorhandler(sa_exc.OperationalError)
    def _busy(exc: sa_exc.OperationalError) -> Any:
        log.warning("database busy on %s %s: %s", request.method, request.path, exc)
        db.session.rollback()
        busy = ServiceError("The database is busy; please try again in a moment.")
        busy.status = 503
        return _service_error(busy)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> Any:
        message = "The form had expired or was sent from elsewhere. Go back, reload the page and try again."
        return _error_page(400, message)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if _wants_json():
            return api.json_error(exc)
        return _error_page(exc.code or 500, exc.description or "")

    app.register_error_handler(SecurityError, _unknown_host)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        log.exception("unexpected error on %s %s", request.method, request.path)
        db.session.rollback()
        return _http_error(InternalServerError())


def _error_page(code: int, message: str) -> Response:
    """An error as a page. An officer, who has no account and may read only Hindi, gets their own: in their
    language, saying what to do, without the staff's words or links to the staff's pages."""
    if officer_web.on_officers_page():
        page = render_template("acknowledge/error.html", code=code, lang=officer_web.chosen_language())
    else:
        page = render_template("error.html", code=code, message=message)
    response = make_response(page, code)
    if code == 429:
        response.headers["Retry-After"] = str(officer_web.RETRY_AFTER_SECONDS)
    return response


def _unknown_host(exc: SecurityError) -> Any:
    """A Host not in TRUSTED_HOSTS: Flask builds no URLs for it, so the error page (all links) cannot be made."""
    if _wants_json():
        return api.json_error(exc)
    return Response(exc.description, 400, mimetype="text/plain")


def _name_the_server_plainly() -> None:
    """werkzeug's own server (`flask run`) names its version and Python's in every response.

    It writes that Server header before the app's headers, so a header of ours would only add a
    second one: the server is told its name instead.
    """
    WSGIRequestHandler.version_string = lambda self: "Pavati"  # type: ignore[method-assign]


def _security_headers(response: Any) -> Any:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Links carry tokens: never send them to another site in a Referer header.
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config["PUBLIC_BASE_URL"].startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if officer_web.on_officers_page():
        response.headers["Cache-Control"] = "private, no-store"
    elif not request.path.startswith("/static/"):
        # Staff pages, downloads and API answers hold officers' names and letters: no copy is left in
        # the browser's cache (a shared office computer) or a proxy's. Other directives stay.
        response.cache_control.no_store = True
    return response
