"""Locales of the web pages: zh-CN by default, English selectable, catalogs compiled in memory at start-up.

The ``.po`` files under ``locale/<locale>/LC_MESSAGES/messages.po`` are the
source; they are read with Babel and turned into gettext catalogs in memory,
so there is no build step and no ``.mo`` file in the tree. Message ids are
English; the zh_CN catalog translates every one (a test checks it). A plugin
ships its own catalogs in ``<plugin>/locale/<locale>/LC_MESSAGES/*.po`` (one per
part of a large plugin); they are merged over the core's for all templates.
"""

from __future__ import annotations

import io
import pathlib
import re
from functools import lru_cache
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from litestar.connection import ASGIConnection
from markupsafe import Markup

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LANG_COOKIE = "redprop_lang"
LANG_PARAM = "lang"
LOCALE_DIR = pathlib.Path(__file__).with_name("locale")
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}


def N_(message: str) -> str:
    """Mark a string for the catalog; it is translated where it is rendered."""
    return message


def catalog_path(locale_dir: pathlib.Path, locale: str) -> pathlib.Path:
    return locale_dir / locale / "LC_MESSAGES" / "messages.po"


def _compiled(path: pathlib.Path, locale: str) -> Translations:
    with path.open("rb") as source:
        catalog = read_po(source, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain="messages")


@lru_cache(maxsize=16)
def translations(locale: str, extra_dirs: tuple[pathlib.Path, ...] = ()) -> Translations:
    """The compiled catalog of ``locale`` (read once per process), with the plugins' catalogs in ``extra_dirs`` merged in."""
    merged = _compiled(catalog_path(LOCALE_DIR, locale), locale)
    for folder in extra_dirs:
        for path in sorted(catalog_path(folder, locale).parent.glob("*.po")):
            merged.merge(_compiled(path, locale))
    return merged


def gettext(locale: str, message: str) -> str:
    return translations(locale).gettext(message) if message else ""


_BARE_PERCENT = re.compile(r"%(?!%|\(\w+\)[sdifr])")


def _formatted(text: str, variables: dict[str, Any]) -> str:
    """``text % variables`` as Jinja's new-style gettext does, but a ``%`` that starts no placeholder stays a
    percent sign (a translator's "50%" must not crash the page) and without variables nothing is formatted."""
    if not variables:
        return text.replace("%%", "%")
    try:
        return text % variables
    except (ValueError, TypeError, KeyError):
        try:
            return _BARE_PERCENT.sub("%%", text) % variables
        except (ValueError, TypeError, KeyError):
            return text


def install(env: Environment, catalog: Translations) -> None:
    """Install ``catalog`` into a Jinja environment: ``_()``, ``gettext``, ``ngettext`` and ``{% trans %}`` with
    keyword variables (new style), where an empty message stays empty (gettext("") is the catalogue's header, which
    no page shows) and a bare ``%`` in a message or its translation is text, not a format error."""
    env.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]

    @pass_context
    def _gettext(context: Context, message: str, **variables: Any) -> str:
        text = catalog.gettext(message) if message else ""
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return _formatted(text, variables)

    @pass_context
    def _ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        text = catalog.ngettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return _formatted(text, variables)

    env.globals.update(gettext=_gettext, ngettext=_ngettext)


def normalise(tag: str | None) -> str | None:
    """``zh``, ``zh-CN``, ``zh_Hans_CN`` → ``zh_CN``; ``en-GB`` → ``en``; anything else → None."""
    if not tag:
        return None
    lang = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return {"zh": "zh_CN", "en": "en"}.get(lang)


def _accept_language(header: str) -> str | None:
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        locale = normalise(tag)
        if locale and quality > 0:
            choices.append((-quality, position, locale))
    return min(choices)[2] if choices else None


def requested_locale(connection: ASGIConnection) -> str | None:
    """The locale asked for explicitly with ``?lang=`` (remembered in a cookie by the page that answers)."""
    return normalise(connection.query_params.get(LANG_PARAM))


def negotiate(connection: ASGIConnection) -> str:
    """``?lang=`` first, then the ``redprop_lang`` cookie, then Accept-Language, then zh-CN."""
    return (
        requested_locale(connection)
        or normalise(connection.cookies.get(LANG_COOKIE))
        or _accept_language(connection.headers.get("accept-language", ""))
        or DEFAULT_LOCALE
    )
