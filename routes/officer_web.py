"""What the officer's page needs from the web layer: its language (English or Hindi) and its rate limits."""

from flask import Flask, Response, current_app, has_request_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

LANGUAGES = ("en", "hi")
# Where the officer's pages live: the links in their emails are /a/<token>.
PREFIX = "/a"
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_DAYS = 365

babel = Babel()
# Memory by default; RATELIMIT_STORAGE_URI (Redis) where several workers must share the counts.
limiter = Limiter(key_func=get_remote_address, default_limits=[], strategy="moving-window")


def chosen_language() -> str:
    """?lang= first (the page's switch), then the remembered choice, then what the browser asks for."""
    if not has_request_context():
        return "en"
    for asked in (request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if asked in LANGUAGES:
            return asked
    return request.accept_languages.best_match(LANGUAGES) or "en"


def on_officers_page() -> bool:
    """True for a request under the officer's pages, even one that leads nowhere (a link cut short by a mail app)."""
    return has_request_context() and (request.path + "/").startswith(PREFIX + "/")


def page_language() -> str:
    """The language of the page being made: the officer's choice on their pages; staff pages are in English only,
    whatever a staff member's browser asks for."""
    return chosen_language() if on_officers_page() else "en"


def remember_language(response: Response) -> Response:
    """Keep a language picked with ?lang= for the officer's next visit."""
    asked = request.args.get("lang")
    if asked in LANGUAGES and asked != request.cookies.get(LANGUAGE_COOKIE):
        response.set_cookie(
            LANGUAGE_COOKIE,
            asked,
            max_age=LANGUAGE_COOKIE_DAYS * 86400,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure,
        )
    return response


# The limits count requests over a moving minute: a minute after a refusal, every request it counted has left it.
RETRY_AFTER_SECONDS = 60


def per_minute(setting: str) -> str:
    """A Flask-Limiter limit read from the app's setting (answers a minute); 0 is no limit."""
    return f"{current_app.config[setting]}/minute"


def unlimited(setting: str) -> bool:
    return not current_app.config[setting]


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=page_language)
    limiter.init_app(app)
