"""Semantic versions of the two surfaces a plugin is built against: the hook API and the public API (``core.public``).

A plugin names the version it was built for in ``redprop_plugin_info``: ``"hook_api"`` (required; an int major such as
``1`` or a ``"major.minor"`` string) and ``"api"`` (optional; the ``core.public.API_VERSION`` it was built with). The
rule is the usual one: the same major and a minor no newer than the platform's works; anything else is refused when
the plugin loads, with a message that says which side to upgrade.
"""

from __future__ import annotations

import re
from typing import Any

API_VERSION = "1.1.0"
"""Semantic version of the public plugin API (``core.public``): a minor adds names, a major removes or changes one."""

_VERSION = re.compile(r"^\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$")


def parse(value: Any) -> tuple[int, int] | None:
    """``1`` → (1, 0); ``"1.2"`` or ``"1.2.3"`` → (1, 2); anything else → None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (value, 0) if value >= 0 else None
    if isinstance(value, str):
        found = _VERSION.match(value)
        if found:
            return int(found.group(1)), int(found.group(2) or 0)
    return None


def incompatibility(declared: Any, provided: str, what: str, *, required: bool = True) -> str | None:
    """Why a plugin built for ``declared`` cannot run on a platform providing ``provided`` (None when it can)."""
    if declared is None and not required:
        return None
    have = parse(provided)
    assert have is not None, provided
    want = parse(declared)
    if want is None:
        return (
            f"declares {what} {declared!r}, not a version (write the major, e.g. {have[0]}, or 'major.minor', e.g. '{have[0]}.{have[1]}')"
        )
    if want[0] > have[0]:
        return (
            f"built for {what} {want[0]}.{want[1]}, this platform provides {provided}: "
            f"upgrade redprop to a release providing {what} {want[0]}.x"
        )
    if want[0] < have[0]:
        return (
            f"built for {what} {want[0]}.{want[1]}, this platform provides {provided}: "
            f"upgrade the plugin to a release built for {what} {have[0]}.x"
        )
    if want[1] > have[1]:
        return (
            f"needs {what} {want[0]}.{want[1]}, this platform provides {provided}: "
            f"upgrade redprop to a release providing {what} {want[0]}.{want[1]} or newer"
        )
    return None


def plugin_incompatibility(info: dict[str, Any]) -> str | None:
    """The first reason a plugin's declared versions do not fit this platform (hook API, then public API)."""
    from core.plugins.hookspecs import HOOK_API

    return incompatibility(info.get("hook_api"), HOOK_API, "hook API") or incompatibility(
        info.get("api"), API_VERSION, "public API", required=False
    )
