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
    for path in sorted(catalog_path(LOCALE_DIR, locale).parent.glob("*.po")):
        if path.name != "messages.po":  # the core's catalog in parts, like a large plugin's
            merged.merge(_compiled(path, locale))
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


# validators' English (msgspec's, the services' own) as a person reads it beside the field; the rest goes through the catalog
_FIELD_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"missing required field|^required$|^must not be empty$"), N_("Required.")),
    (re.compile(r"Expected `str` of length >= 1\b|Expected `str` matching regex '\\{1,2}S'"), N_("Required: more than spaces.")),
    (re.compile(r"Expected `str` of length >= (?P<n>\d+)"), N_("At least %(n)s characters.")),
    (re.compile(r"Expected `str` of length <= (?P<n>\d+)"), N_("At most %(n)s characters.")),
    (re.compile(r"Expected `str` matching regex"), N_("Not in the expected form.")),
    (re.compile(r"Expected `(?:int|float|decimal)` >= (?P<n>\S+)"), N_("Must be at least %(n)s.")),
    (re.compile(r"Expected `(?:int|float|decimal)` > (?P<n>\S+)"), N_("Must be more than %(n)s.")),
    (re.compile(r"Expected `(?:int|float|decimal)` <= (?P<n>\S+)"), N_("Must be at most %(n)s.")),
    (re.compile(r"Expected `(?:int|float|decimal)` < (?P<n>\S+)"), N_("Must be less than %(n)s.")),
    (re.compile(r"Expected `int`"), N_("Enter a whole number.")),
    (re.compile(r"Expected `(?:float|decimal|number)`|Invalid decimal"), N_("Enter a number.")),
    (re.compile(r"Expected `array` of length >= (?P<n>\d+)"), N_("Choose at least %(n)s.")),
    (re.compile(r"Expected `array` of length <= (?P<n>\d+)"), N_("Choose at most %(n)s.")),
    (re.compile(r"Invalid (?:RFC3339 encoded )?datetime|Expected `datetime`"), N_("Enter a date and time.")),
    (re.compile(r"Invalid (?:RFC3339 encoded |ISO )?date|Expected `date`"), N_("Enter a date such as 2026-01-31.")),
    (re.compile(r"Invalid (?:RFC3339 encoded )?time|Expected `time`"), N_("Enter a time such as 09:30.")),
    (re.compile(r"Invalid enum value|Invalid UUID|Expected `uuid`|^unknown value|choose one"), N_("Choose one of the options.")),
    (re.compile(r"Expected `bool`"), N_("Choose yes or no.")),
    (re.compile(r"contains a NUL character"), N_("Contains a character that is not allowed.")),
)


def field_message(catalog: Translations, message: str) -> str:
    """A field's error in the reader's language: a validator's English by its pattern, a service's through the catalog."""
    if not message:
        return ""
    translated = catalog.gettext(message)
    if translated != message:
        return translated
    for pattern, text in _FIELD_MESSAGES:
        found = pattern.search(message)
        if found:
            return _formatted(catalog.gettext(text), found.groupdict())
    return translated


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

    env.globals.update(gettext=_gettext, ngettext=_ngettext, field_message=lambda message: field_message(catalog, str(message or "")))


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
