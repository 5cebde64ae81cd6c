"""Input hardening shared by every route: NUL characters, nesting depth, filters with a fixed set of values,
LIKE patterns built from what a user typed, and text that must say something.

``check_request`` runs before every handler (the application's ``before_request``): a JSON body nested deeper
than :data:`MAX_JSON_DEPTH` or a NUL character in any query value or JSON string is a 400 problem naming the
field — PostgreSQL refuses NUL in text and deep nesting exhausts the decoder, both were 500s.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Any

import msgspec
from litestar import Request

from core.problems import invalid

MAX_JSON_DEPTH = 32
"""Deeper than any body redprop accepts (a survey's answers are three levels deep)."""
NUL = "\x00"

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets inside strings do not count)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_JSON_STRING.sub(b'""', body)):
        if bracket in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def nul_field(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string (or key) holding a NUL character in a decoded JSON value, or None."""
    if isinstance(value, str):
        return (path or "body") if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return here
            found = nul_field(item, here)
            if found:
                return found
    if isinstance(value, list):
        for n, item in enumerate(value):
            found = nul_field(item, f"{path}[{n}]")
            if found:
                return found
    return None


def refuse_nul(field: str, value: str) -> None:
    if NUL in value:
        raise invalid(field, "contains a NUL character", status=400)


async def check_request(request: Request) -> None:
    """Refuse NUL characters in query values and JSON strings and over-deep JSON, naming the field."""
    for key, value in request.query_params.multi_items():
        refuse_nul(key, str(value))
    for key, value in request.path_params.items():
        if isinstance(value, str):
            refuse_nul(key, value)
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE") or "json" not in request.headers.get("content-type", ""):
        return
    body = await request.body()
    if json_depth(body) > MAX_JSON_DEPTH:
        raise invalid("body", f"nested deeper than {MAX_JSON_DEPTH} levels", status=400)
    if b"\\u0000" in body or b"\x00" in body:
        try:
            decoded = msgspec.json.decode(body)
        except msgspec.DecodeError:
            return  # malformed: the handler's own decoding answers it
        field = nul_field(decoded)
        if field:
            raise invalid(field, "contains a NUL character", status=400)


# --------------------------------------------------------------------------- filters, search terms, required text


def one_of(field: str, value: str | None, allowed: Iterable[str]) -> str | None:
    """``value`` if it is one of ``allowed`` (or None); else a 422 naming the filter and listing the allowed values."""
    choices = list(allowed)
    if value is None or value in choices:
        return value
    raise invalid(field, f"unknown value {value!r}; allowed: {', '.join(choices)}")


LIKE_ESCAPE = "\\"


def like_pattern(term: str, *, prefix: bool = False) -> str:
    """A LIKE pattern matching ``term`` literally (``%`` and ``_`` typed by a user are not wildcards): contains it,
    or starts with it when ``prefix``. Use with ``column.like(pattern, escape=LIKE_ESCAPE)`` (or ``ilike``)."""
    escaped = term.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
    return f"{escaped}%" if prefix else f"%{escaped}%"


def contains(column: Any, term: str) -> Any:
    """``column`` contains ``term`` literally: the one way to search text a user typed (``%`` and ``_`` escaped)."""
    return column.like(like_pattern(term), escape=LIKE_ESCAPE)


def required_text(max_length: int, min_length: int = 1) -> Any:
    """A text type that must hold something besides spaces (a title, a name): ``Title = required_text(200)``."""
    return Annotated[str, msgspec.Meta(min_length=min_length, max_length=max_length, pattern=r"\S")]
