"""Every route in the app's URL map checks who asks before anything else: a route that forgets fails here."""

import re
from typing import Any

from flask import Flask
from werkzeug.routing import Rule

from tests.conftest import Auth, Client, sqlite_only

# Open to anyone, by design. A new route is a staff route unless it is named here.
PUBLIC = {
    "static",
    "auth.login",
    "health.healthz",
    "acknowledge.page",  # the officer's link: the token is the credential
    "acknowledge.thanks",
    "acknowledge.letter",
    "verify.page",  # the address every letter prints; shows nothing of recipients
    "account.password_link",  # a one-time link sets the password of someone who cannot log in yet
}
# Changes any member of staff may make, viewers included: their own session and account.
ANY_STAFF = {"auth.logout", "account.new_token", "account.revoke_token", "account.change_password"}
# Pages a viewer may not even open: they only lead to a change (a form), or show officers' emails.
WORK_PAGES = {
    "circulars.new",
    "roster.import_file",
    "roster.new",
    "roster.edit",
    "endorsements.new",
    "endorsements.edit",
    "mailbox.index",
    "mailbox.show",
    "mailbox.attachment",
    "staff.index",  # the staff accounts: admins only
    "staff.show",
}
CHANGES = {"POST", "PUT", "PATCH", "DELETE"}


def path(rule: Rule) -> str:
    """The rule's URL with placeholders: an `any(...)` its first choice, anything else 1 (no such record)."""
    chosen = re.sub(r"<any\(([a-z]+)[^>]*>", r"\1", rule.rule)
    return re.sub(r"<[^>]+>", "1", chosen)


def methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def staff_rules(app: Flask, api: bool) -> list[Rule]:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints >= PUBLIC | ANY_STAFF | WORK_PAGES, "a route listed here is gone"
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in PUBLIC and rule.endpoint.startswith("api.") == api
    ]


@sqlite_only  # who may do what is decided before the database is asked anything
def test_anonymous_is_sent_to_login_from_every_staff_page(app: Flask, client: Client):
    token = client.csrf_token("/login")  # so that a refusal is the login check's, not the form's
    rules = staff_rules(app, api=False)
    assert len(rules) > 40
    for rule in rules:
        for method in methods(rule):
            response = client.open(path(rule), method=method, data={"csrf_token": token})
            assert response.status_code == 302, (method, rule.rule, response.status_code)
            assert response.headers["Location"].startswith("/login?next="), (method, rule.rule)


@sqlite_only
def test_anonymous_gets_401_from_every_api_call(app: Flask, client: Client):
    rules = staff_rules(app, api=True)
    assert len(rules) > 20
    for rule in rules:
        for method in methods(rule):
            for headers in ({}, {"Authorization": "Bearer not-a-token"}):
                response = client.open(path(rule), method=method, headers=headers)
                assert response.status_code == 401, (method, rule.rule, headers, response.status_code)
                assert response.headers["WWW-Authenticate"] == 'Bearer realm="pavati"'


@sqlite_only
def test_a_viewer_changes_nothing(app: Flask, client: Client, auth: Auth):
    auth.login("viewer")
    token = client.csrf_token("/")
    for rule in staff_rules(app, api=False):
        if rule.endpoint in ANY_STAFF:
            continue
        for method in methods(rule):
            if method in CHANGES or rule.endpoint in WORK_PAGES:
                response = client.open(path(rule), method=method, data={"csrf_token": token})
                assert response.status_code == 403, (method, rule.rule, response.status_code)


@sqlite_only
def test_a_viewers_token_changes_nothing_through_the_api(app: Flask, client: Client, api_token: Any):
    viewer = api_token("viewer")
    for rule in staff_rules(app, api=True):
        for method in set(methods(rule)) & CHANGES:
            response = client.open(path(rule), method=method, headers=viewer, json={})
            assert response.status_code == 403, (method, rule.rule, response.status_code)
