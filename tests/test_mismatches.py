"""The mismatch work list: open mismatches across letters, found by name or email, and resolved by staff."""

from flask import Flask

from models import AuditEvent, Circular, Officer, Recipient, db
from services import acknowledgements, dispatch, jobs, letters, mismatches, tracking
from tests.conftest import Auth, Client, issued_endorsement, sqlite_only


def answer_differently(client: Client, tokens: dict[str, str]) -> None:
    """Three officers say their iGOT email differs: one at gmail, one the nic.in/gov.in alias, one at yahoo."""
    emails = sorted(tokens)[:3]
    typed = [emails[0].replace("nic.in", "gmail.com"), emails[1].replace("nic.in", "gov.in"), "x@yahoo.com"]
    for email, igot in zip(emails, typed, strict=True):
        assert client.submit(f"/a/{tokens[email]}", {"response": "different", "igot_email": igot}).status_code == 303


def test_the_work_list_holds_open_mismatches_with_aliases_counted_apart(app: Flask, client: Client):
    answer_differently(client, issued_endorsement(app))
    with app.app_context():
        found = mismatches.work_list(db.session)
        assert (found.total, found.aliases, len(found.rows)) == (3, 1, 3)
        assert tracking.counts(db.session, 1)["alias"] == 1
        assert [r.flag for r, _ in tracking.recipients(db.session, 1, "alias")[0]] == ["alias"]
        name = found.rows[0].officer.name
        assert [r.officer.name for r in mismatches.work_list(db.session, search=name.upper()).rows] == [name]
        assert mismatches.work_list(db.session, search="%").total == 0  # no wildcard
        assert mismatches.work_list(db.session, page=2, per_page=2).rows[0].id == found.rows[2].id


def test_resolving_counts_as_aligned_and_correcting_sparrow_updates_the_roster(app: Flask, client: Client, auth: Auth):
    answer_differently(client, issued_endorsement(app))
    with app.app_context():
        rows = mismatches.work_list(db.session).rows
        gmail = next(r for r in rows if "gmail" in r.details["igot_email"])
        ids, officer_id, igot = [r.id for r in rows], gmail.officer_id, gmail.details["igot_email"]
        other = next(r.id for r in rows if r.id != gmail.id)
    auth.login("viewer")
    page = client.get("/mismatches/").get_data(as_text=True)
    assert "alias only" in page and "Resolve" not in page
    letter = client.get("/endorsements/1").get_data(as_text=True)
    assert "state=alias" in letter and "Alias only (nic.in / gov.in) <b>1</b>" in letter
    assert client.post(f"/mismatches/{ids[0]}/resolve", data={"how": "igot_matches"}).status_code in (400, 403)
    auth.logout()
    auth.login("clerk")
    refused = client.submit(
        "/mismatches/", {"how": "by magic"}, action=f"/mismatches/{other}/resolve", follow_redirects=True
    )
    assert "Choose how it was resolved" in refused.get_data(as_text=True)
    done = client.submit(
        "/mismatches/", {"how": "sparrow_corrected"}, action=f"/mismatches/{gmail.id}/resolve", follow_redirects=True
    )
    assert "SPARROW corrected" in done.get_data(as_text=True)
    again = client.submit(
        "/mismatches/", {"how": "igot_matches"}, action=f"/mismatches/{gmail.id}/resolve", follow_redirects=True
    )
    assert "no longer a mismatch" in again.get_data(as_text=True)
    with app.app_context():
        resolved = db.session.get(Recipient, gmail.id)
        assert resolved is not None
        assert (resolved.state, resolved.resolution, resolved.resolved_by_id is not None) == (
            "aligned",
            "sparrow_corrected",
            True,
        )
        assert db.session.get(Officer, officer_id).sparrow_email == igot  # type: ignore[union-attr]
        actions = set(db.session.scalars(db.select(AuditEvent.action)))
        counts = tracking.counts(db.session, resolved.endorsement_id)
        assert mismatches.work_list(db.session).total == 2
        assert tracking.recipients(db.session, resolved.endorsement_id, "resolved")[1] == 1
    assert "Resolved <b>1</b>" in client.get(f"/endorsements/{resolved.endorsement_id}").get_data(as_text=True)
    assert {"recipient.mismatch_resolved", "officer.updated"} <= actions
    assert (counts["aligned"], counts["mismatch"], counts["resolved"]) == (1, 2, 1)


@sqlite_only
def test_an_empty_work_list_says_so(app: Flask, client: Client, auth: Auth):
    auth.login("viewer")
    assert "No mismatches" in client.get("/mismatches/").get_data(as_text=True)
    assert "No open mismatch matches" in client.get("/mismatches/?q=nobody").get_data(as_text=True)


def another_letter(app: Flask) -> dict[str, str]:
    """A further email-alignment letter of the same memo to the same officers; each officer's email → link token."""
    with app.app_context():
        circular_id = db.session.scalars(db.select(Circular.id)).one()
        fields = {**letters.draft_defaults(db.session, circular_id), "dated": "2026-03-12"}
        endorsement = letters.prepare_endorsement(db.session, circular_id, fields, None)
        letters.issue_endorsement(db.session, endorsement.id, None)
        dispatch.distribute(db.session, endorsement.id, None)
        db.session.commit()
        jobs.executor().wait(30)
        chosen = db.select(Recipient).where(Recipient.endorsement_id == endorsement.id)
        return {r.email: acknowledgements.link_token(r.token_nonce) for r in db.session.scalars(chosen)}


def test_resolving_settles_the_officers_other_letters_where_the_same_holds(app: Flask, client: Client):
    first, second = issued_endorsement(app), another_letter(app)
    sparrow, other = sorted(first)[:2]
    said = {"response": "different", "igot_email": "one@gmail.com"}
    for tokens in (first, second):
        assert client.submit(f"/a/{tokens[sparrow]}", said).status_code == 303
        assert client.submit(f"/a/{tokens[other]}", said | {"igot_email": "two@gmail.com"}).status_code == 303
    # On a third letter the first officer gave another iGOT email: correcting SPARROW to one@ does not settle it.
    third = another_letter(app)
    assert client.submit(f"/a/{third[sparrow]}", said | {"igot_email": "three@gmail.com"}).status_code == 303
    with app.app_context():
        mismatched = {(r.email, r.endorsement_id): r.id for r in mismatches.work_list(db.session).rows}
        assert len(mismatched) == 5
        mismatches.resolve(db.session, mismatched[(sparrow, 1)], "sparrow_corrected", None)
        mismatches.resolve(db.session, mismatched[(other, 2)], "igot_matches", None)
        db.session.commit()
        still = {(r.email, r.endorsement_id) for r in mismatches.work_list(db.session).rows}
        assert still == {(sparrow, 3)}
        officers = {o.email_key: o for o in db.session.scalars(db.select(Officer))}
        assert officers["one@gmail.com"].sparrow_email == "one@gmail.com"
        assert officers[other].igot_email == other
        events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "recipient.mismatch_resolved"))
        assert sorted(e.details["how"] for e in events) == ["igot_matches"] * 2 + ["sparrow_corrected"] * 2
