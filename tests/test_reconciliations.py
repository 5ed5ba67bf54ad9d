"""The iGOT reports' pages and API: upload, lists, one reconciliation, downloads, and every refusal a clear 4xx."""

import csv
import io
from typing import Any

import sqlalchemy as sa
from flask import Flask

from models import Reconciliation, db
from tests.conftest import Auth, Client, api_import, issue_letter, sample, settle, sqlite_only
from tests.igot_exports import PASSWORD, USER_HEADER, table, user, zeros_zip, zipped

COUNTS = {"officers", "aligned", "mismatch", "alias", "not_on_igot", "ambiguous", "courses_completed"}


def post(client: Client, headers: dict[str, str], data: bytes, password: str | None = PASSWORD) -> Any:
    form: dict[str, Any] = {"file": (io.BytesIO(data), "igot-all-reports.zip")}
    if password is not None:
        form["password"] = password
    return client.post("/api/v1/reconciliations", data=form, headers=headers)


def saved(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Reconciliation.id))) or 0


def test_api_reconcile_read_and_download(app: Flask, client: Client, api_token: Any) -> None:
    headers = api_token()
    api_import(client, headers)
    response = post(client, headers, sample("igot-all-reports.zip"))
    assert response.status_code == 201, response.json
    made = response.json
    assert made["status"] == "done" and made["counts"].keys() >= COUNTS
    assert made["counts"]["officers"] == 40 and made["counts"]["not_on_igot"] == 8
    assert made["report_generated_at"].startswith("2026-11-30T00:30") and "password" not in str(made)
    listed = client.get("/api/v1/reconciliations", headers=headers).json
    assert listed["total"] == 1 and listed["items"][0]["id"] == made["id"]
    assert client.get(f"/api/v1/reconciliations/{made['id']}", headers=headers).json["counts"] == made["counts"]
    officers = client.get(f"/api/v1/reconciliations/{made['id']}/officers?result=mismatch", headers=headers).json
    assert officers["total"] == 4 and {o["matched_by"] for o in officers["items"]} == {"mobile"}
    download = client.get(f"/api/v1/reconciliations/{made['id']}/officers?format=csv&result=alias", headers=headers)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert len(list(csv.reader(io.StringIO(download.get_data(as_text=True))))) == 5
    xlsx = client.get(f"/api/v1/reconciliations/{made['id']}/officers?format=xlsx", headers=headers)
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")


def test_api_refusals_are_clear_and_save_nothing(app: Flask, client: Client, api_token: Any) -> None:
    headers = api_token()
    api_import(client, headers)
    for data, password, status, words in [
        (sample("igot-all-reports.zip"), "wrong", 422, "password is wrong"),
        (sample("igot-all-reports.zip"), None, 422, "protected with a password"),
        (zipped({"UserReport.csv": table(USER_HEADER, [user("A", "a@***.***")])}), PASSWORD, 422, "masks"),
        (zeros_zip("UserReport.csv", 100), None, 422, "zip bomb"),
        (b"%PDF-1.7 not a report", None, 422, "not one of iGOT's reports"),
    ]:
        response = post(client, headers, data, password)
        assert response.status_code == status and words in response.json["error"], response.json
    assert client.post("/api/v1/reconciliations", data={}, headers=headers).status_code == 422
    assert saved(app) == 0
    assert client.get("/api/v1/reconciliations/99", headers=headers).status_code == 404
    assert client.get("/api/v1/reconciliations").status_code == 401


def test_api_viewer_reads_but_may_not_upload(app: Flask, client: Client, api_token: Any) -> None:
    viewer = api_token("viewer")
    assert post(client, viewer, sample("igot-all-reports.zip")).status_code == 403
    assert client.get("/api/v1/reconciliations", headers=viewer).status_code == 200


def test_api_background_answers_202(app: Flask, client: Client, api_token: Any) -> None:
    app.config["IGOT_INLINE_MB"] = 0
    headers = api_token()
    api_import(client, headers)
    response = post(client, headers, sample("igot-all-reports.zip"))
    assert response.status_code == 202 and response.json["status"] == "running"
    settle(app)
    again = client.get(f"/api/v1/reconciliations/{response.json['id']}", headers=headers).json
    assert again["status"] == "done" and again["counts"]["aligned"] == 24


def test_api_fifty_thousand_igot_users(app: Flask, client: Client, api_token: Any) -> None:
    headers = api_token()
    api_import(client, headers)
    users = table(USER_HEADER, (user(f"Officer {i}", f"officer.{i}@nic.in", f"98{i:08}", 2000) for i in range(50_000)))
    response = post(client, headers, zipped({"UserReport.csv": users}), PASSWORD)
    assert response.status_code == 201 and response.json["counts"]["igot_users"] == 50_000


def test_api_upload_over_the_limit_is_413(app: Flask, client: Client, api_token: Any) -> None:
    app.config["IGOT_MAX_UPLOAD_MB"] = 0.01
    response = post(client, api_token(), b"x" * 20_000)
    assert response.status_code == 413 and saved(app) == 0


@sqlite_only
def test_pages_upload_show_and_chase(app: Flask, client: Client, auth: Auth) -> None:
    endorsement_id = issue_letter(app, sample("roster-haryana-ias.csv"))
    auth.login()
    empty = client.get("/igot/")
    assert empty.status_code == 200 and "No report read yet" in empty.get_data(as_text=True)
    wrong = client.submit(
        "/igot/",
        {"file": (io.BytesIO(sample("igot-all-reports.zip")), "all.zip"), "password": "nope"},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422 and "password is wrong" in wrong.get_data(as_text=True) and saved(app) == 0
    done = client.submit(
        "/igot/",
        {"file": (io.BytesIO(sample("igot-all-reports.zip")), "all.zip"), "password": PASSWORD},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and "The report was read against the roster." in page
    assert "Not on iGOT <b>8</b>" in page and "Chase them" in page
    assert PASSWORD not in page
    with app.app_context():
        reconciliation_id = db.session.scalar(sa.select(Reconciliation.id))
    listing = client.get(f"/igot/{reconciliation_id}?result=mismatch").get_data(as_text=True)
    assert "amneetsingla@gmail.com" in listing and "by mobile number" in listing
    assert client.get(f"/igot/{reconciliation_id}/officers.csv?result=alias").status_code == 200
    assert client.post(f"/igot/{reconciliation_id}/chase", data={"result": "mismatch"}).status_code == 400
    chase = {"result": "not_on_igot", "how": "send", "endorsement_id": endorsement_id}
    sent = client.submit(
        f"/igot/{reconciliation_id}", chase, action=f"/igot/{reconciliation_id}/chase", follow_redirects=True
    )
    assert "8 officers sent the letter." in sent.get_data(as_text=True)
    again = client.submit(
        f"/igot/{reconciliation_id}", chase, action=f"/igot/{reconciliation_id}/chase", follow_redirects=True
    )
    assert "already been sent this letter" in again.get_data(as_text=True)
    settle(app)


@sqlite_only
def test_pages_viewer_sees_but_cannot_upload(app: Flask, client: Client, auth: Auth) -> None:
    auth.login("viewer")
    page = client.get("/igot/").get_data(as_text=True)
    assert "Read a new report" not in page
    response = client.submit("/igot/", {"file": (io.BytesIO(b"x"), "x.zip")}, content_type="multipart/form-data")
    assert response.status_code == 403 and saved(app) == 0
    assert client.submit("/igot/", {}, action="/igot/1/chase").status_code == 403


@sqlite_only
def test_a_running_reconciliation_refreshes_itself(app: Flask, client: Client, auth: Auth) -> None:
    with app.app_context():
        running = Reconciliation(filename="<b>x</b>.zip")
        db.session.add(running)
        db.session.commit()
        running_id = running.id
    auth.login()
    page = client.get(f"/igot/{running_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and "Reading the report" in page
    assert "&lt;b&gt;x&lt;/b&gt;.zip" in page
