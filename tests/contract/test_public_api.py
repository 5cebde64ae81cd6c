"""The public plugin API: every exported name exists, has its line in DOCS and in docs/plugins/reference.md."""

from __future__ import annotations

import pathlib

import core.public as public

REFERENCE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "plugins" / "reference.md"


def test_every_public_name_exists_and_is_documented():
    assert sorted(public.__all__) == sorted(public.DOCS)
    assert [n for n in public.__all__ if not hasattr(public, n)] == []
    text = REFERENCE.read_text(encoding="utf-8")
    assert [n for n in public.__all__ if f"| `{n}` |" not in text] == []
    assert public.API_VERSION in text and public.HOOK_API in text
