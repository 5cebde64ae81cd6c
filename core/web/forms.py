"""HTML forms to the API's input structs: the same msgspec types validate a form and a JSON body."""

from __future__ import annotations

import re
import uuid
from typing import Any, TypeVar

import msgspec
from litestar import Request

from core.inputs import refuse_nul
from core.problems import Problem, invalid
from core.web.session import CSRF_FIELD

T = TypeVar("T")
CONFIRM_FIELD = "_confirmed"
"""Set (``yes``) by the confirmation dialog or step of an irreversible action (core.web.confirm)."""


_MINUTES = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")


async def form_values(request: Request, *, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """The submitted fields, trimmed; an empty field counts as not given (so optional fields keep their default)."""
    form = await request.form()
    values: dict[str, Any] = {}
    for key in form.keys():
        if key in (CSRF_FIELD, CONFIRM_FIELD):
            continue
        if key in lists:
            values[key] = [v.strip() for v in form.getall(key) if isinstance(v, str) and v.strip()]
            for item in values[key]:
                refuse_nul(key, item)
            continue
        value = form.get(key)
        if isinstance(value, str):
            refuse_nul(key, value)
            value = value.strip()
            if value == "":
                continue
            if _MINUTES.match(value):  # a datetime-local input sends no seconds; RFC 3339 (msgspec) wants them
                value += ":00"
        values[key] = value
    return values


def _field_of(error: msgspec.ValidationError) -> tuple[str, str]:
    # msgspec says e.g. "Expected `int`, got `str` - at `$.floors`" or "Object missing required field `name`"
    message = str(error)
    if " - at `$." in message:
        text, _, where = message.partition(" - at `$.")
        return where.rstrip("`").split(".")[0].split("[")[0], text
    if "field `" in message:
        return message.split("field `", 1)[1].split("`", 1)[0], message
    return "form", message


def to_input(values: dict[str, Any], struct: type[T]) -> T:
    """Validate the values as ``struct`` (text converted to numbers, dates, ids); a bad field is a 400 naming it."""
    try:
        return msgspec.convert(values, struct, strict=False)
    except msgspec.ValidationError as exc:
        field, message = _field_of(exc)
        raise invalid(field, message, status=400) from None


async def parse_form(request: Request, struct: type[T], *, lists: tuple[str, ...] = ()) -> T:
    return to_input(await form_values(request, lists=lists), struct)


def refuses_the_form(problem: Problem) -> bool:
    """Whether a refusal is of what was typed (shown beside the fields, the form kept) rather than of the caller, the
    target or the server (401, 403, 404 and 5xx keep their own pages)."""
    return problem.status < 500 and problem.status not in (401, 403, 404)


def field_errors(problem: Problem, renamed: dict[str, str] | None = None) -> dict[str, str]:
    """A refused form's errors by field, to show each beside its field when the page comes back with what was typed
    (``field_error`` in the templates); a refusal that names no field is under ``"form"``. ``renamed`` maps the
    service's field names to the form's (``amount_fen`` → ``amount``)."""
    names = renamed or {}
    found = {names.get(e["field"], e["field"]): str(e["message"]) for e in problem.extra.get("errors", []) if e.get("field")}
    return found or {"form": problem.detail or problem.title}


def form_uuid(values: dict[str, Any], field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(values[field]))
    except (KeyError, ValueError):
        raise invalid(field, "choose one", status=400) from None
