"""The API's contract: spectree checks each call against its pydantic models, and makes the OpenAPI document of them."""

from collections.abc import Mapping
from typing import Any

from flask import Response as FlaskResponse
from flask import current_app
from pydantic import BaseModel, ValidationError
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecureType, SecuritySchemeData
from spectree.plugins.base import Context
from spectree.plugins.flask_plugin import FlaskPlugin
from spectree.utils import get_model_key, get_multidict_items
from werkzeug.routing.converters import NumberConverter

from routes.api_schemas import Error
from services.errors import Invalid

# Every call may meet these: a body that is not JSON (400), no or a bad token (401), a viewer changing
# something (403), an unknown id (404), a clash (409), too big a body (413), bad input (422), a busy
# database or a render out of time (503).
ERRORS = (400, 401, 403, 404, 409, 413, 422, 503)


class Answers(Response):
    """spectree's answers, which it knows only as JSON, with the files a call may answer instead (on 200)."""

    def __init__(self, *, files: tuple[str, ...] = (), **models: Any) -> None:
        super().__init__(**models, **{f"HTTP_{code}": Error for code in ERRORS})
        self.files = files

    def generate_spec(self, naming_strategy: Any = get_model_key) -> dict[str, Any]:
        spec = super().generate_spec(naming_strategy)
        if self.files:
            content = spec.setdefault("200", {"description": "OK"}).setdefault("content", {})
            content.update({media: {"schema": {"type": "string", "format": "binary"}} for media in self.files})
        return spec


def _refused(error: ValidationError) -> Invalid:
    """Input the models refuse, as the API's own 422 `{error, field}`: the first fault, named by its field.

    Raised before spectree makes its own answer of the errors (another shape, which holds the input as sent
    and fails on a form with odd field names)."""
    first = error.errors(include_url=False)[0]
    if not first["loc"]:
        return Invalid("Send the body as a JSON object.")
    field = str(first["loc"][0])
    return Invalid(f"{field}: {first['msg']}.", field)


class _Edge(FlaskPlugin):
    """spectree's Flask plugin, read strictly, and leaving answers to the tests.

    spectree reads a JSON body that is not an object (text, a list) as `{}`, which could turn a mistake into a
    call that changes things: here what was sent is checked as sent. Answers are built from their models by the
    routes already, so they are not checked again on each call (schemathesis checks them against the document).
    """

    def request_validation(self, request: Any, query: Any, json: Any, form: Any, headers: Any, cookies: Any) -> None:
        adapter = self.model_adapter
        # Only a JSON route reads the raw body: reading it first would leave a multipart form empty.
        body = request.get_json(silent=True) if json and request.get_data(cache=True) else {}
        try:
            request.context = Context(
                adapter.validate_obj(query, get_multidict_items(request.args, query)) if query else None,
                adapter.validate_obj(json, body) if json else None,
                adapter.validate_obj(form, self.fill_form(request)) if form else None,
                None,
                None,
            )
        except ValidationError as exc:
            raise _refused(exc) from None

    def validate_response(self, resp: Any, resp_model: Any, skip_validation: bool, force_resp_serialize: bool) -> Any:
        # Not spectree's, even unchecked: it reads every body, and a file sent straight from disk has none to read.
        return self.get_current_app().make_response(resp), None

    def parse_path(self, route: Any, path_parameter_descriptions: Mapping[str, str] | None) -> tuple[str, list]:
        """Paths with our own converters (`id`) described by their bounds, which spectree does not know."""
        path, parameters = super().parse_path(route, path_parameter_descriptions)
        for parameter in parameters:
            converter = route._converters[parameter["name"]]  # werkzeug keeps a rule's converters only here
            if parameter["schema"] is None and isinstance(converter, NumberConverter):
                parameter["schema"] = {"type": "integer", "minimum": converter.min, "maximum": converter.max}
        return path, parameters


BEARER = SecuritySchemeData(type=SecureType.HTTP, scheme="bearer", description="a token from `flask users token`")


class _Contract(SpecTree):
    """spectree, whose document also says that a body asking for nothing may be left out (it reads as `{}`)."""

    def _generate_spec(self) -> dict[str, Any]:
        spec = super()._generate_spec()
        for operations in spec["paths"].values():
            for operation in operations.values():
                for content in operation.get("requestBody", {}).get("content", {}).values():
                    model = spec["components"]["schemas"][content["schema"]["$ref"].rpartition("/")[2]]
                    operation["requestBody"]["required"] = bool(model.get("required"))
        return spec


contract = _Contract(
    backend=_Edge,
    naming_strategy=lambda model: model.__name__,  # names are unique in api_schemas
    nested_naming_strategy=lambda parent, child: child,
    mode="strict",  # only routes given a contract are in the document, and a test finds any left out
    title="Pavati API",
    version="1",
    description="Circulars out, acknowledgements back. Errors are `{error, field?}` with a 4xx status.",
    validation_error_model=Error,
    security_schemes=[SecurityScheme(name="bearer", data=BEARER)],
    security={"bearer": []},
    page_templates={},  # no spectree pages (they load scripts from a CDN); routes/api.py serves the document
)


def answer(model: BaseModel, status: int = 200) -> FlaskResponse:
    """A model as the JSON answer."""
    return current_app.response_class(model.model_dump_json(), status, mimetype="application/json")
