"""Plugin host: hook specifications, entry-point discovery, refusal of broken plugins."""

from core.plugins.hookspecs import HOOK_API_VERSION, hookimpl

__all__ = ["HOOK_API_VERSION", "hookimpl"]
