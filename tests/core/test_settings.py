"""Settings in one place: every ``REDPROP_*`` variable is a field of ``Settings``, read only by ``load_settings``, listed in the README."""

from __future__ import annotations

import ast
import base64
import dataclasses
import os
import pathlib
import re

import pytest

from core.settings import PREFIX, Settings, SettingsError, declared_variables, load_settings

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCES = ("core", "tenants", "plugins", "migrations")
ENVIRONMENT_READER = "core/settings.py"
VARIABLE = re.compile(r"\bREDPROP_[A-Z0-9_]+")


TEST_KIT = "core/testing/"
"""The test kit shipped to vendors reads the test run's own variables (REDPROP_TEST_*), as tests/conftest.py does."""


def _sources():
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            if path.relative_to(ROOT).as_posix().startswith(TEST_KIT):
                continue
            yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def test_every_variable_the_code_names_is_a_setting():
    declared = declared_variables()
    undeclared = set()
    for name, text in _sources():
        for found in VARIABLE.findall(text):
            # ``REDPROP_SMTP_*`` in prose names a family: some setting must belong to it
            known = any(v.startswith(found) for v in declared) if found.endswith("_") else found in declared
            if not known:
                undeclared.add(f"{name}: {found}")
    assert not undeclared, "declare these in core.settings.Settings (and the README's table):\n" + "\n".join(sorted(undeclared))


def _environment_reads(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}:
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            if any(alias.name in {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"} for alias in node.names):
                lines.append(node.lineno)
    return lines


def test_only_the_settings_module_touches_the_process_environment():
    offenders = [
        f"{name}:{line}"
        for name, text in _sources()
        if name != ENVIRONMENT_READER
        for line in _environment_reads(ast.parse(text, filename=name))
    ]
    assert not offenders, "read a Settings field instead of the environment:\n" + "\n".join(offenders)


def test_the_readme_lists_exactly_the_declared_variables():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\|\s*`(REDPROP_[A-Z0-9_]+)`\s*\|", section, flags=re.MULTILINE)
    assert len(rows) == len(set(rows)), "a variable has two rows"
    listed, declared = set(rows), declared_variables()
    assert not declared - listed, f"add README rows for {sorted(declared - listed)}"
    assert not listed - declared, f"the README lists variables no setting reads: {sorted(listed - declared)}"


def test_every_field_has_a_docstring_naming_its_variable():
    tree = ast.parse((ROOT / ENVIRONMENT_READER).read_text(encoding="utf-8"))
    body = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings").body
    missing = []
    for node, after in zip(body, [*body[1:], None], strict=True):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            variable = PREFIX + node.target.id.upper()
            doc = after.value.value if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) else ""
            if not str(doc).startswith(f"{variable}: "):
                missing.append(node.target.id)
    assert not missing, f'give these fields a docstring """REDPROP_NAME: meaning""": {missing}'


# a value unlike the default for every field, so each variable is seen to reach its field
_SAMPLES = {"env": "test", "smtp_tls": "ssl", "data_key": base64.b64encode(bytes(range(32))).decode()}
_BY_TYPE = {
    "str": "sample",
    "str | None": "sample",
    "int": "7",
    "float": "7.5",
    "tuple[str, ...]": "a, b",
    "Path": "/srv/sample",
    "Path | None": "/srv/sample",
}


def test_each_field_is_read_from_its_own_variable():
    environ = {}
    for f in dataclasses.fields(Settings):
        if f.name in _SAMPLES:
            environ[PREFIX + f.name.upper()] = _SAMPLES[f.name]
        elif f.type == "bool":
            environ[PREFIX + f.name.upper()] = "0" if f.default else "1"
        else:
            assert f.type in _BY_TYPE, f"add a sample value for {f.name}: {f.type} to this test"
            environ[PREFIX + f.name.upper()] = _BY_TYPE[f.type]
    loaded, defaults = load_settings(environ), load_settings({})
    unread = [f.name for f in dataclasses.fields(Settings) if getattr(loaded, f.name) == getattr(defaults, f.name)]
    assert not unread, f"load_settings ignores the variables of {unread}"


def test_load_settings_reads_only_the_mapping_and_leaves_the_environment_alone(monkeypatch):
    monkeypatch.setenv("REDPROP_BROKER_NAMESPACE", "from-the-process")
    before = dict(os.environ)
    settings = load_settings({"REDPROP_ENV": "test", "REDPROP_SMTP_PORT": "587"})
    assert dict(os.environ) == before
    assert settings.broker_namespace == "redprop" and settings.smtp_tls == "starttls"
    with pytest.raises(SettingsError, match="REDPROP_SECRET_KEY"):
        load_settings({"REDPROP_ENV": "production"})
    assert dict(os.environ) == before
    assert load_settings().broker_namespace == "from-the-process"  # no mapping: the process environment


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"REDPROP_ENV": "staging"}, "REDPROP_ENV"),
        ({"REDPROP_ENV": "production", "REDPROP_SECRET_KEY": "k"}, "REDPROP_DATA_KEY"),
        ({"REDPROP_DATA_KEY": base64.b64encode(b"short").decode()}, "REDPROP_DATA_KEY"),
        ({"REDPROP_MAX_UPLOAD_BYTES": "10MB"}, "REDPROP_MAX_UPLOAD_BYTES"),
        ({"REDPROP_POLICY_POLL_SECONDS": "soon"}, "REDPROP_POLICY_POLL_SECONDS"),
    ],
)
def test_a_malformed_setting_is_refused_naming_its_variable(environ, variable):
    with pytest.raises(SettingsError, match=variable):
        load_settings(environ)
