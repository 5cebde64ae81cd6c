"""HTML forms to the API's input structs: the same msgspec types validate a form and a JSON body."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import msgspec
from litestar import Request

from core.inputs import refuse_nul
from core.problems import invalid
from core.web.session import CSRF_FIELD

T = TypeVar("T")
CONFIRM_FIELD = "_confirmed"
"""Set (``yes``) by the confirmation dialog or step of an irreversible action (core.web.confirm)."""


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


def form_uuid(values: dict[str, Any], field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(values[field]))
    except (KeyError, ValueError):
        raise invalid(field, "choose one", status=400) from None
