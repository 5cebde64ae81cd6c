"""The gettext the pages use: an empty message stays empty and a bare ``%`` is text (core.web.i18n.install)."""

from __future__ import annotations

import io

import jinja2
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import Translations

from core.web.i18n import gettext, install


def _env(pairs: dict[str, str]) -> jinja2.Environment:
    catalog = Catalog(locale="zh_CN", project="probe")
    for msgid, msgstr in pairs.items():
        catalog.add(msgid, msgstr)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    env = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    install(env, Translations(fp=compiled))
    return env


def test_an_empty_message_is_not_the_catalogue_header():
    env = _env({"Submitted": "已提交"})
    out = env.from_string('{{ _("Submitted") }}|{{ _(note) }}|{{ gettext("") }}').render(note="")
    assert out == "已提交||"
    assert gettext("zh_CN", "") == ""


def test_a_bare_percent_in_a_translation_or_a_message_does_not_crash():
    env = _env({"Collection rate": "收缴率 %", "%(n)s done": "完成 %(n)s（100%）", "Share": "占比 50%%"})
    assert env.from_string('{{ _("Collection rate") }}').render() == "收缴率 %"
    assert env.from_string('{{ _("%(n)s done", n=3) }}').render() == "完成 3（100%）"
    assert env.from_string('{{ _("Share") }}').render() == "占比 50%"
    assert env.from_string('{{ _("untranslated 5%") }}').render() == "untranslated 5%"
    assert env.from_string("{% trans n=2 %}{{ n }} of 100%{% endtrans %}").render() == "2 of 100%"
    assert env.from_string('{{ ngettext("%(num)s item", "%(num)s items", 3) }}').render() == "3 items"


def test_values_are_still_escaped():
    env = _env({"Hello %(name)s": "你好 %(name)s"})
    assert env.from_string('{{ _("Hello %(name)s", name=who) }}').render(who="<b>") == "你好 &lt;b&gt;"
