"""The API's OpenAPI document: every route in it, valid OpenAPI 3.1, and the app true to it under schemathesis."""

import re
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from flask import Flask
from hypothesis import strategies as st
from openapi_spec_validator import OpenAPIV31SpecValidator
from schemathesis import GenerationMode, checks
from schemathesis.core.parameters import ParameterLocation

from tests.conftest import Client, api_issue, approver

API = "/api/v1"
# A path's variables as OpenAPI writes them: <id:circular_id> is {circular_id}.
_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
# Examples per call and way (valid input, invalid input): about a minute in all on two cores.
EXAMPLES = 12


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the document does not depend on the database, and fuzzing both would double the time."""
    return f"sqlite:///{tmp_path / 'pavati.sqlite'}"


def _document(client: Client, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(f"{API}/openapi.json", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def test_the_document_needs_a_token_and_is_valid_openapi_3_1(client: Client, api_token: Any):
    assert client.get(f"{API}/openapi.json").status_code == 401
    document = _document(client, api_token("viewer"))
    assert document["openapi"].startswith("3.1")
    OpenAPIV31SpecValidator(document).validate()
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "a token from `flask users token`",
    }


def test_every_api_route_is_in_the_document_with_its_methods(app: Flask, client: Client, api_token: Any):
    paths = _document(client, api_token())["paths"]
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(f"{API}/"):
            methods = {m.lower() for m in rule.methods or ()} - {"head", "options"}
            routes.setdefault(_VARIABLE.sub(r"{\1}", rule.rule), set()).update(methods)
    assert len(routes) > 20
    for path, methods in routes.items():
        assert path in paths, f"{path} is not in the OpenAPI document: give its route a contract.validate"
        assert set(paths[path]) == methods, path


def test_the_limits_are_the_services_own(client: Client, api_token: Any):
    from services import intake, office

    schemas = _document(client, api_token())["components"]["schemas"]
    subject = schemas["CircularForm"]["properties"]["subject"]["anyOf"][0]
    assert subject["maxLength"] == intake.LIMITS["subject"]
    addressee = schemas["Letter"]["properties"]["addressee"]["anyOf"][0]
    assert addressee["maxLength"] == office.BY_NAME["addressee"].max_len


def _known_ids(client: Client, clerk: dict[str, str]) -> dict[str, list[int]]:
    """A registered memo, the sample roster, an issued letter sent out and a draft: ids for the fuzzer to use."""
    issued = api_issue(client, clerk)
    assert client.post(f"{API}/endorsements/{issued}/distribute", headers=clerk).status_code == 202
    circular = client.get(f"{API}/endorsements/{issued}", headers=clerk).json["circular_id"]
    draft = client.post(
        f"{API}/circulars/{circular}/endorsements", json={"dated": "2026-03-12", "ack_kind": "read"}, headers=clerk
    ).json["id"]
    officers = [o["id"] for o in client.get(f"{API}/officers", headers=clerk).json["items"][:3]]
    # An unknown id too, so that the 404s are kept to the contract as well.
    return {"circular_id": [circular, 999_999], "endorsement_id": [issued, draft, 999_999], "officer_id": officers}


def _fuzz(operation: Any, headers: dict[str, str], ids: dict[str, list[int]]) -> None:
    """Valid and invalid calls to one operation, each answered as the document says (schemathesis' checks)."""
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @hypothesis.given(case=strategy)
    @hypothesis.settings(
        max_examples=EXAMPLES,
        derandomize=True,  # the same calls on every run: CI is repeatable
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    def call(case: Any) -> None:
        # Ids the data set up has, chosen by the one generated, so that calls get past the 404.
        for name, value in (case.path_parameters or {}).items():
            if name in ids and isinstance(value, int):
                case.path_parameters[name] = ids[name][value % len(ids[name])]
        # Not "valid input is accepted": the schema cannot say all the services check (a file that is not a PDF,
        # an email without an @), and those are refused with a 422 by design.
        excluded = [checks.positive_data_acceptance]
        # Nor "invalid input is refused" where the only invalid parts are those put right above (the token, which
        # every call is sent, and an id): what is sent is then valid.
        negative = {where for where in ParameterLocation if case.meta and case.meta.is_negative_at(where)}
        if negative and negative <= {ParameterLocation.HEADER, ParameterLocation.PATH}:
            excluded.append(checks.negative_data_rejection)
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    call()


def test_the_api_keeps_its_contract_under_fuzzing(app: Flask, client: Client, api_token: Any):
    """schemathesis sends valid and invalid calls to every operation: never a 500, every answer as documented."""
    clerk = api_token()
    ids = _known_ids(client, clerk)
    signatory = approver(client)
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app, headers=clerk)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    failures = []
    for operation in operations:
        try:
            _fuzz(operation, signatory if operation.path.endswith(("/approve", "/issue")) else clerk, ids)
        except (Exception, BaseExceptionGroup) as exc:  # every operation is tried, and all that fail are told together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
