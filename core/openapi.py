"""The OpenAPI document: the bearer scheme, every status an operation can answer with the problem+json body
really sent (``core.problems``), schema names a client generator can tell apart, and a viewer without inline
script.

Litestar documents, for an operation that takes any input, its own 400 body (``application/json`` with an
``extra`` that is null, an object or an array): that is not what redprop sends (``core.problems`` answers every
error as ``application/problem+json``), and the three-way union makes openapi-python-client drop the responses
of the operation. :func:`document` gives each route handler its statuses as ``ResponseSpec`` (which replace
litestar's) and the bearer requirement where the route needs a token.
"""

import re
from typing import Any, NotRequired, TypedDict

from litestar import Litestar, Request
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.routes import HTTPRoute

from core.problems import PROBLEM_BASE, PROBLEM_MEDIA_TYPE

BEARER = "BearerToken"
"""The name of the security scheme: ``Authorization: Bearer <token>`` from ``POST /api/v1/auth/login``."""
SWAGGER_URL = "/static/swagger"
VIEWER_SCRIPT = "/static/web/api-viewer.js"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class FieldError(TypedDict):
    """One broken rule of the input: the field (a dotted path into the body, or a query or path parameter), or for
    a refused spreadsheet import the sheet's row and column."""

    message: str
    message_zh: NotRequired[str]
    field: NotRequired[str]
    source: NotRequired[str]
    row: NotRequired[int]
    column: NotRequired[str]


class Problem(TypedDict):
    """An error, RFC 9457 problem details (``application/problem+json``), as ``core.problems`` sends it.

    ``type`` is a stable URI under ``https://redprop.org/problems/`` (``validation-error``, ``forbidden``,
    ``not-found``, ``illegal-transition``, ``login-locked`` …); members other than those listed may follow:
    ``errors`` names each field of invalid input, ``state`` and ``allowed`` the moves a refused transition
    (409) had, ``permission`` (``object``, ``action``) the one a 403 lacked, ``retry_after`` when a 429 ends.
    ``title``, ``detail`` and each error's ``message`` are stable English; ``title_zh``, ``detail_zh`` and
    ``message_zh`` say the same in Chinese for a UI to show (a detail without a translation of its own is said by
    its status).
    """

    type: str
    title: str
    status: int
    title_zh: NotRequired[str]
    detail_zh: NotRequired[str]
    detail: NotRequired[str]
    instance: NotRequired[str]
    errors: NotRequired[list[FieldError]]
    allowed: NotRequired[list[str]]
    state: NotRequired[str]
    field: NotRequired[str]
    permission: NotRequired[dict[str, str]]
    retry_after: NotRequired[str]


DESCRIPTIONS = {
    400: "Malformed input (a body or parameter of the wrong shape, a NUL character, JSON nested too deep); `errors` names each field",
    401: "No bearer token, or one unknown, expired or revoked",
    403: "The caller lacks the permission (named in `permission`), the module is off for the compound, or the rule refuses this caller",
    404: "The resource does not exist or is not reachable for the caller (another tenant's compound answers 404, never 403)",
    409: "The resource's state refuses the change (`state` and `allowed` name the moves allowed) or it conflicts with existing data",
    413: "The body (an upload: for its type) is larger than allowed",
    415: "The upload's content is not of the declared type",
    422: "A rule broken by a field of the input (named in `errors`), or a filter value outside its set",
    429: "Too many attempts: try again after `retry_after`",
    503: "The database or the broker cannot be reached right now: retry later",
}


def problem_response(status: int, description: str | None = None) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        media_type=PROBLEM_MEDIA_TYPE,
        description=description or DESCRIPTIONS.get(status, "Problem details"),
        generate_examples=False,
    )


def needs_token(handler: HTTPRouteHandler) -> bool:
    """Every route needs a bearer token except those marked ``opt={"public": True}`` (login, joining, health)."""
    return not handler.opt.get("public")


def _has_upload(handler: HTTPRouteHandler) -> bool:
    data = handler.parsed_fn_signature.parameters.get("data")
    definition = getattr(data, "kwarg_definition", None)
    return getattr(definition, "media_type", None) == RequestEncodingType.MULTI_PART


def statuses(handler: HTTPRouteHandler, method: str, has_path_parameters: bool) -> set[int]:
    """Every error status an operation can answer (each with a problem+json body).

    400 everywhere: ``core.inputs.check_request`` refuses a NUL character in any query value before the handler.
    A route that needs a token: 401, 403 (permission, disabled module, suspended tenant, a rule of the service) and
    404 (another tenant's compound, a record out of reach). Path parameters: 404. Input: 422. Writes: 409. A body: 413 (over the size limit).
    A public write (login, one-time codes, joining): 401, 403 and 429. Uploads: 413 and 415. Any operation: 503.
    """
    found = {400, 503}
    parameters = handler.parsed_fn_signature.parameters
    takes_input = has_path_parameters or any(name not in ("ctx", "session", "principal", "request", "state") for name in parameters)
    if needs_token(handler):
        found |= {401, 403, 404}
    elif method in WRITE_METHODS:  # logging in, one-time codes, joining: wrong credentials, a refused tenant, throttling
        found |= {401, 403, 429}
    if has_path_parameters:
        found.add(404)
    if takes_input:
        found.add(422)
    if method in WRITE_METHODS:
        found |= {409, 422}
    if "data" in parameters:  # a body over the route's request_max_body_size
        found.add(413)
    if _has_upload(handler):
        found |= {413, 415}
    return found


def document(app: Litestar) -> None:
    """Give every route handler in the schema its error statuses and, where it needs a token, the bearer scheme.

    Runs once on the built application, before the document is first generated (litestar builds it lazily).
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            method = sorted(handler.http_methods)[0]
            codes = statuses(handler, method, bool(route.path_parameters))
            declared = dict(handler.responses or {})
            for code, spec in declared.items():  # a status the route describes in words: its body is a problem too
                if spec.data_container is None and code >= 400:
                    declared[code] = problem_response(code, spec.description)
            handler.responses = {**{code: problem_response(code) for code in sorted(codes)}, **declared}
            if needs_token(handler):
                handler.security = [{BEARER: []}]


# --------------------------------------------------------------------------- names a client generator tells apart

_NOISE = {"plugins", "schemas", "api", "models"}


def _distinct_title(key: str) -> str:
    """``plugins_party_building_schemas_members_MembershipOut`` → ``party_building_members_MembershipOut``;
    ``Page_plugins.quality.schemas.field.PlanOut_`` → ``Page[quality_field_PlanOut]``."""
    if key.startswith("Page_") and key.endswith("_"):
        return f"Page[{_distinct_title(key[5:-1])}]"
    return "_".join(part for part in re.split(r"[._]+", key) if part and part not in _NOISE) or key


def distinct_titles(schema: dict[str, Any]) -> dict[str, Any]:
    """Litestar keys two types of one name by their modules but titles both with the bare name; generators name
    classes by title, so two ``MembershipOut`` collide and one is dropped with every operation that uses it."""
    components = schema.get("components", {}).get("schemas", {})
    by_title: dict[str, list[str]] = {}
    for key, component in components.items():
        by_title.setdefault(component.get("title", key), []).append(key)
    for keys in by_title.values():
        if len(keys) > 1:
            for key in keys:
                components[key]["title"] = _distinct_title(key)
    return schema


def binary_files(schema: dict[str, Any]) -> dict[str, Any]:
    """A file answered as bytes (an Excel workbook, an SVG code) is ``format: binary``, not text."""
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            for response in (operation.get("responses") or {}).values() if isinstance(operation, dict) else ():
                for media_type, content in (response.get("content") or {}).items():
                    if "json" not in media_type and content.get("schema") == {"type": "string"}:
                        content["schema"] = {"type": "string", "format": "binary"}
    return schema


class OpenAPIJson(JsonRenderPlugin):
    """``/schema/openapi.json``: the document with distinct schema titles and binary files marked so."""

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, binary_files(distinct_titles(openapi_schema)))


class ApiViewer(OpenAPIRenderPlugin):
    """Swagger UI served from this host (the ``swagger-ui-bundle`` package), started by a script file: no inline
    script or style, no CDN, so the page runs under the strict Content-Security-Policy of every page."""

    def __init__(self) -> None:
        super().__init__(path="/swagger")

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        title = str(openapi_schema.get("info", {}).get("title", "API"))
        schema_url = request.app.openapi_config.path if request.app.openapi_config else "/schema"
        return (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{_escape(title)}</title>"
            f"<link rel='stylesheet' href='{SWAGGER_URL}/swagger-ui.css'>"
            f"<link rel='icon' href='{SWAGGER_URL}/favicon-32x32.png'>"
            "</head><body>"
            f"<div id='swagger-ui' data-spec-url='{_escape(schema_url)}/openapi.json'></div>"
            f"<script src='{SWAGGER_URL}/swagger-ui-bundle.js'></script>"
            f"<script src='{SWAGGER_URL}/swagger-ui-standalone-preset.js'></script>"
            f"<script src='{VIEWER_SCRIPT}'></script>"
            "</body></html>"
        ).encode()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;").replace('"', "&quot;")


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="redprop API",
        version="0.1.0",
        description=(
            "红色物业 — red property management. Log in with `POST /api/v1/auth/login` and send the token as "
            f"`Authorization: Bearer <token>`. Errors are RFC 9457 problem details (`{PROBLEM_MEDIA_TYPE}`, "
            f"the `Problem` schema; `type` under {PROBLEM_BASE})."
        ),
        path="/schema",
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(type="http", scheme="bearer", description="The token from POST /api/v1/auth/login (or an API token)")
            }
        ),
        render_plugins=[ApiViewer(), OpenAPIJson()],
    )
