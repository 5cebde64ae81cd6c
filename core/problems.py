"""RFC 9457 problem details: one exception type, stable ``type`` URIs, and the handlers."""

from __future__ import annotations

import logging
import pathlib
import re
import sys
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException, PermissionDeniedException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

log = logging.getLogger("redprop.problems")

PROBLEM_BASE = "https://redprop.org/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """An error answered as ``application/problem+json``; ``slug`` makes the stable ``type``."""

    def __init__(self, status: int, slug: str, title: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": PROBLEM_BASE + self.slug, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


def not_found(what: str) -> Problem:
    return Problem(404, "not-found", "Not found", f"{what} does not exist or is not reachable for you")


def invalid(field: str, message: str, *, status: int = 422) -> Problem:
    """A rule broken by one field of the input."""
    return Problem(status, "validation-error", "Invalid input", f"{field}: {message}", errors=[{"field": field, "message": message}])


def conflict(detail: str, **extra: Any) -> Problem:
    return Problem(409, "conflict", "Conflict", detail, **extra)


# What a person is told when a detail has no translation of its own: the status in plain words (core catalogue).
_STATUS_DETAILS = {
    400: "The input is not in the expected form.",
    401: "Please sign in first.",
    403: "Your role may not do this here.",
    404: "It does not exist, or it is not within your reach.",
    405: "This cannot be done this way.",
    409: "This cannot be done in the current state.",
    413: "The request is too large.",
    415: "The file is not of the expected type.",
    422: "Some of the input breaks a rule; see the fields marked.",
    429: "Too many attempts; please try again later.",
    503: "The service is busy; please try again shortly.",
}
_STATUS_TITLES = {
    400: "Invalid input",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}
_CJK = re.compile(r"[\u3400-\u9fff]")
_ENGLISH_WORD = re.compile(r"[A-Za-z]{2,} [A-Za-z]{2,}")
"""English words in a row: a message still holding them was not translated (a room's Chinese name inside it does not count)."""


def _catalogue_dirs(request: Request) -> tuple[pathlib.Path, ...]:
    """The ``locale`` folder of the package whose handler answered (a plugin, the control plane), if it has one."""
    handler = getattr(request.scope.get("route_handler"), "fn", None)
    module = getattr(handler, "__module__", "") or ""
    parts = module.split(".")
    for size in range(len(parts) - 1, 0, -1):
        package = sys.modules.get(".".join(parts[:size]))
        source = getattr(package, "__file__", None)
        if source and pathlib.Path(source).name == "__init__.py" and (pathlib.Path(source).parent / "locale").is_dir():
            folder = pathlib.Path(source).parent / "locale"
            return () if folder.parent.name == "web" and folder.parent.parent.name == "core" else (folder,)
    return ()


_CATALOGUES: dict[tuple[pathlib.Path, ...], Any] = {}
"""The zh_CN catalogue per answering package, kept for the process (one per plugin: a handful)."""


def localized(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with Chinese beside its stable English, for the UI: ``title_zh``, ``detail_zh`` and each field error's
    ``message_zh``. Translated through the core's catalogue and the answering plugin's; a detail without a
    translation of its own is said by its status; what a service already wrote in Chinese is kept."""
    from core.web.i18n import field_message, translations

    dirs = _catalogue_dirs(request)
    try:
        catalogue = _CATALOGUES.get(dirs) or _CATALOGUES.setdefault(dirs, translations("zh_CN", dirs))
    except Exception:  # a catalogue that cannot be read never turns an error into a 500
        log.warning("the zh_CN catalogue cannot be read for a problem body", exc_info=True)
        return body
    errors = body.get("errors")
    if isinstance(errors, list):
        for error in errors:
            if isinstance(error, dict) and error.get("message") and "message_zh" not in error:
                said = field_message(catalogue, str(error["message"]))
                # an English message with no translation of its own: a neutral "this value is not accepted", never
                # shown raw and never a guess at the reason ("not in the expected form" would be wrong for a rule)
                translated = said != str(error["message"]) or not _ENGLISH_WORD.search(said)  # or Chinese of its own
                error["message_zh"] = said if translated and _CJK.search(said) else catalogue.gettext("This value is not accepted.")
    status = int(body.get("status") or 500)
    if "title_zh" not in body:
        title = catalogue.gettext(str(body.get("title") or ""))
        if not _CJK.search(title):  # a title of a plugin's own without a translation: the status's
            title = catalogue.gettext(_STATUS_TITLES.get(status, "Request failed"))
        body["title_zh"] = title
    if "detail_zh" not in body:
        detail = str(body.get("detail") or "")
        translated = catalogue.gettext(detail) if detail else ""
        if translated and (translated != detail or _CJK.search(detail)):
            body["detail_zh"] = translated
        elif isinstance(errors, list) and len(errors) == 1 and isinstance(errors[0], dict) and errors[0].get("message_zh"):
            body["detail_zh"] = errors[0]["message_zh"]
        else:
            fallback = _STATUS_DETAILS.get(status, "Something went wrong; please try again later.")
            body["detail_zh"] = catalogue.gettext(fallback)
    return body


def _respond(request: Request, problem: Problem, headers: dict[str, str] | None = None) -> Response:
    return Response(
        content=localized(request, problem.body(request.url.path)),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _field_name(error: dict[str, Any]) -> str:
    """The offending field: litestar names it, or (for the body as a whole) msgspec's message does."""
    key = str(error.get("key") or "")
    message = str(error.get("message", ""))
    if key and key != "data":
        return key
    # e.g. "Object contains unknown field `foo`", "Object missing required field `name`", "... - at `$.a.b`"
    if "- at `$." in message:
        return message.rsplit("- at `$.", 1)[1].rstrip("`")
    if "field `" in message:
        return message.split("field `", 1)[1].split("`", 1)[0]
    return key or "body"


def handle_problem(request: Request, exc: Problem) -> Response:
    return _respond(request, exc)


def _literal_values(annotation: Any) -> list[str]:
    """The values of the ``Literal`` (or enum) a parameter is typed with, through ``| None`` and ``Annotated``."""
    import enum
    import typing

    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(m.value) for m in annotation]
    if typing.get_origin(annotation) is typing.Literal:
        return [str(v) for v in typing.get_args(annotation)]
    return [v for arg in typing.get_args(annotation) for v in _literal_values(arg)]


def _allowed_values(request: Request, key: str) -> list[str]:
    try:
        parameter = request.route_handler.parsed_fn_signature.parameters.get(key)
    except AttributeError:
        return []
    if parameter is None:  # the query name differs from the argument's (QueryParameter(name=...))
        parameters = request.route_handler.parsed_fn_signature.parameters.values()
        parameter = next((p for p in parameters if getattr(p.kwarg_definition, "query", None) == key), None)
    return _literal_values(parameter.annotation) if parameter is not None else []


def handle_validation(request: Request, exc: ValidationException) -> Response:
    errors = []
    for item in exc.extra or []:
        if isinstance(item, dict):
            errors.append({"field": _field_name(item), "message": str(item.get("message", "")), "source": item.get("source", "body")})
    if not errors:
        errors.append({"field": "body", "message": exc.detail})
    # a filter with a fixed set of values: 422 naming it and listing the values, like core.inputs.one_of
    if len(errors) == 1 and errors[0].get("source") == "query" and errors[0]["message"].startswith("Invalid enum value"):
        allowed = _allowed_values(request, errors[0]["field"])
        if allowed:
            value = request.query_params.get(errors[0]["field"])
            return _respond(request, invalid(errors[0]["field"], f"unknown value {value!r}; allowed: {', '.join(allowed)}"))
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return _respond(request, Problem(400, "validation-error", "Invalid input", detail, errors=errors))


_HTTP_SLUGS = {
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("too-large", "Request too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("too-many-requests", "Too many requests"),
}


def handle_http(request: Request, exc: HTTPException) -> Response:
    slug, title = _HTTP_SLUGS.get(exc.status_code, ("http-error", "Request failed"))
    if exc.status_code >= 500:
        slug, title = "server-error", "Internal server error"
    detail = exc.detail if exc.detail and exc.detail != title else None
    return _respond(request, Problem(exc.status_code, slug, title, detail), headers=exc.headers)


RETRY_AFTER_SECONDS = 5
"""What a 503 asks a client to wait: a database restart or fail-over takes seconds, a pool refills at once."""

# SQLSTATE classes meaning "the database cannot answer now", not "this request is wrong": connection exceptions
# (08), insufficient resources (53: too many connections, disk full), operator intervention (57: a statement
# timeout or cancel 57014, a shutdown 57P01-57P03)
_UNAVAILABLE_CLASSES = ("08", "53", "57")


def unavailable_reason(exc: BaseException) -> str | None:
    """Why ``exc`` means the database is unavailable or too slow for now (a 503, try again), or None.

    Covers a connection refused or lost (PostgreSQL restarting), the pool exhausted, and a statement cancelled by
    ``statement_timeout`` (``REDPROP_DB_STATEMENT_TIMEOUT_MS``)."""
    from sqlalchemy import exc as sa

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, sa.TimeoutError):
            return "no database connection free in time"
        if isinstance(exc, sa.DBAPIError) and exc.connection_invalidated:
            return "the database connection was lost"
        code = str(getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None) or "")
        if code == "57014":
            return "the database did not answer in time (statement timeout)"
        if code[:2] in _UNAVAILABLE_CLASSES:
            return f"the database cannot answer now ({code})"
        if isinstance(exc, (ConnectionError, TimeoutError)) or type(exc).__name__ in (
            "ConnectionDoesNotExistError",
            "InterfaceError",
            "CannotConnectNowError",
        ):
            return "the database cannot be reached"
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return None


def handle_unexpected(request: Request, exc: Exception) -> Response:
    reason = unavailable_reason(exc)
    if reason is not None:
        log.warning("%s %s: 503, %s (%s)", request.method, request.url.path, reason, type(exc).__name__)
        problem = Problem(503, "service-unavailable", "Service unavailable", f"{reason}; try again shortly")
        return _respond(request, problem, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _respond(request, Problem(HTTP_500_INTERNAL_SERVER_ERROR, "server-error", "Internal server error"))


EXCEPTION_HANDLERS = {
    Problem: handle_problem,
    ValidationException: handle_validation,
    NotAuthorizedException: handle_http,
    PermissionDeniedException: handle_http,
    NotFoundException: handle_http,
    HTTPException: handle_http,
    Exception: handle_unexpected,
}

__all__ = ["Problem", "not_found", "invalid", "conflict", "localized", "unavailable_reason", "EXCEPTION_HANDLERS"]
