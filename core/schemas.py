"""Shared msgspec types: constrained strings and the strict base every input struct uses."""

from __future__ import annotations

from typing import Annotated

import msgspec

from core.inputs import required_text


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies: unknown fields are refused, fields are named."""


class Output(msgspec.Struct, kw_only=True):
    """Base of response bodies."""


Name = required_text(100)
"""A required name or title: at least one character that is not a space."""
LongName = required_text(200)
Text = Annotated[str, msgspec.Meta(max_length=2000)]
Slug = Annotated[str, msgspec.Meta(min_length=2, max_length=60, pattern=r"^[a-z][a-z0-9_]*$")]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
NewPassword = Annotated[str, msgspec.Meta(min_length=10, max_length=128)]
Phone = Annotated[str, msgspec.Meta(min_length=11, max_length=11, pattern=r"^1[3-9][0-9]{9}$")]
LoginName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
