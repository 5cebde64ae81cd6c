"""The dependency audit (.ci/audit_lock.py) can fail: a pinned version inside an advisory's range fails the run
unless a written exception names it (issue 16, point 13)."""

from __future__ import annotations

import importlib.util
import pathlib
import sys

import pytest
from packaging.version import Version

ROOT = pathlib.Path(__file__).resolve().parents[2]
# where .ci/run looks: beside the checkout in a workspace, at /work/shared on the build machines
ADVISORIES = next(
    (p for p in (ROOT.parent / "shared" / "advisories", pathlib.Path("/work/shared/advisories")) if p.exists()),
    ROOT.parent / "shared" / "advisories",
)
spec = importlib.util.spec_from_file_location("audit_lock", ROOT / ".ci" / "audit_lock.py")
audit_lock = importlib.util.module_from_spec(spec)
sys.modules["audit_lock"] = audit_lock  # its dataclasses look their module up
spec.loader.exec_module(audit_lock)

needs_snapshot = pytest.mark.skipif(not ADVISORIES.exists(), reason=f"no advisory snapshot at {ADVISORIES}")


def test_osv_range_semantics():
    events = [{"introduced": "0"}, {"fixed": "2.7.2"}]
    assert audit_lock.in_range(Version("2.7.1"), events) and not audit_lock.in_range(Version("2.7.2"), events)
    events = [{"introduced": "1.0"}, {"last_affected": "1.4"}, {"introduced": "2.0"}]
    assert not audit_lock.in_range(Version("0.9"), events)
    assert audit_lock.in_range(Version("1.4"), events) and not audit_lock.in_range(Version("1.5"), events)
    assert audit_lock.in_range(Version("3.0"), events)  # introduced again, never fixed


def test_pins_read_names_versions_and_ignore_hashes(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("# c\nJinja2==2.7.1 \\\n    --hash=sha256:abc\nfoo_bar==1.0 ; python_version >= '3'\n-e .\n", encoding="utf-8")
    assert audit_lock.pins(lock) == {"jinja2": "2.7.1", "foo-bar": "1.0"}


@needs_snapshot
def test_a_vulnerable_pin_fails_unless_a_written_exception_names_it(tmp_path, capsys):
    lock = tmp_path / "requirements.lock"
    lock.write_text("Jinja2==2.7.1\nPyYAML==6.0.4\n", encoding="utf-8")
    none = tmp_path / "none.toml"
    assert audit_lock.main(["--lock", str(lock), "--advisories", str(ADVISORIES), "--exceptions", str(none)]) == 1
    out = capsys.readouterr().out
    assert "PyPA advisory database of 2024-10-10" in out and "VULNERABLE jinja2==2.7.1 PYSEC-2014-8" in out

    findings = audit_lock.audit({"jinja2": "2.7.1"}, audit_lock.snapshot(ADVISORIES)[0])
    written = tmp_path / "exceptions.toml"
    written.write_text(
        "".join(
            f'[[exception]]\npackage = "Jinja2"\nid = "{f.aliases[0] if f.aliases else f.advisory}"\nreason = "test: not reachable"\n'
            for f in findings
        ),
        encoding="utf-8",
    )
    assert audit_lock.main(["--lock", str(lock), "--advisories", str(ADVISORIES), "--exceptions", str(written)]) == 0
    assert "excepted  jinja2==2.7.1" in capsys.readouterr().out


def test_an_exception_without_a_reason_is_refused(tmp_path):
    written = tmp_path / "exceptions.toml"
    written.write_text('[[exception]]\npackage = "jinja2"\nid = "PYSEC-2014-8"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="reason"):
        audit_lock.exceptions(written)


def test_a_missing_snapshot_fails_clearly(tmp_path, capsys):
    assert audit_lock.main(["--advisories", str(tmp_path / "nowhere")]) == 2
    assert "advisory snapshot is missing" in capsys.readouterr().err


@needs_snapshot
def test_the_lock_file_passes_the_audit():
    assert audit_lock.main(["--advisories", str(ADVISORIES)]) == 0
