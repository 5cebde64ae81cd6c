"""Audit requirements.lock against an offline snapshot of the PyPA advisory database (OSV records).

Vulnerability services cannot be reached from the build machines, where pip-audit reports every package as
"not found" and passes. This reads the snapshot instead: it prints the snapshot's date (anything published
later is missing), lists every pinned version that falls inside an advisory's affected range, and exits 1
unless each finding is named, with a reason, in the exceptions file.

    python .ci/audit_lock.py [--lock requirements.lock] [--advisories ../shared/advisories]
                             [--exceptions .ci/audit-exceptions.toml]

Needs only the standard library, ``packaging`` and ``PyYAML`` (both pinned in the lock file).
"""

from __future__ import annotations

import argparse
import pathlib
import re
import sys
import tarfile
import tomllib
from dataclasses import dataclass

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = pathlib.Path(__file__).resolve().parents[1]
SNAPSHOT = re.compile(r"pypa-advisory-database-(\d{4}-\d{2}-\d{2})\.tar\.gz$")
PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;\\#]+)")


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    advisory: str
    aliases: tuple[str, ...]
    fixed: tuple[str, ...]
    summary: str


def pins(lock: pathlib.Path) -> dict[str, str]:
    """``{canonical name: version}`` of every ``name==version`` line (hash continuations and markers ignored)."""
    found = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def snapshot(directory: pathlib.Path) -> tuple[pathlib.Path, str]:
    """The newest snapshot archive in ``directory`` and its date."""
    archives = sorted((p for p in directory.glob("pypa-advisory-database-*.tar.gz") if SNAPSHOT.search(p.name)), key=lambda p: p.name)
    if not archives:
        raise FileNotFoundError(f"no pypa-advisory-database-YYYY-MM-DD.tar.gz in {directory}")
    return archives[-1], SNAPSHOT.search(archives[-1].name).group(1)


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def in_range(version: Version, events: list[dict]) -> bool:
    """OSV ECOSYSTEM range semantics: walk the events in version order; ``introduced`` opens, ``fixed`` closes at
    that version, ``last_affected`` closes after it."""
    affected = False
    ordered = []
    for event in events:
        for kind, value in event.items():
            at = Version("0") if value == "0" else _version(str(value))
            if at is not None:
                ordered.append((at, kind))
    for at, kind in sorted(ordered, key=lambda e: e[0]):
        if kind == "introduced" and at <= version:
            affected = True
        elif kind == "fixed" and at <= version:
            affected = False
        elif kind == "last_affected" and at < version:
            affected = False
    return affected


def affects(record: dict, name: str, version: str) -> tuple[bool, tuple[str, ...]]:
    """Whether the OSV ``record`` covers ``name==version``, and the fixed versions it names."""
    parsed = _version(version)
    hit, fixed = False, []
    for item in record.get("affected") or []:
        package = item.get("package") or {}
        if package.get("ecosystem") != "PyPI" or canonicalize_name(str(package.get("name", ""))) != name:
            continue
        if version in [str(v) for v in item.get("versions") or []]:
            hit = True
        for rng in item.get("ranges") or []:
            events = rng.get("events") or []
            fixed += [str(e["fixed"]) for e in events if "fixed" in e]
            if rng.get("type") in ("ECOSYSTEM", "SEMVER") and parsed is not None and in_range(parsed, events):
                hit = True
    return hit, tuple(fixed)


def audit(pinned: dict[str, str], archive: pathlib.Path) -> list[Finding]:
    findings = []
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            parts = pathlib.PurePosixPath(member.name).parts
            if not member.isfile() or not member.name.endswith((".yaml", ".yml")) or "vulns" not in parts:
                continue
            package = canonicalize_name(parts[parts.index("vulns") + 1]) if len(parts) > parts.index("vulns") + 2 else ""
            if package not in pinned:
                continue  # the folder is the package's name: skip parsing everything else
            record = yaml.safe_load(tar.extractfile(member).read())
            if not isinstance(record, dict) or record.get("withdrawn"):
                continue
            hit, fixed = affects(record, package, pinned[package])
            if hit:
                summary = " ".join(str(record.get("summary") or record.get("details") or "").split())[:160]
                findings.append(Finding(package, pinned[package], str(record["id"]), tuple(record.get("aliases") or ()), fixed, summary))
    return sorted(findings, key=lambda f: (f.package, f.advisory))


def exceptions(path: pathlib.Path) -> dict[tuple[str, str], str]:
    """``{(package, advisory id or alias): reason}`` from the exceptions file; an entry without a reason is an error."""
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = {}
    for entry in data.get("exception", []):
        package, advisory, reason = entry.get("package", ""), entry.get("id", ""), str(entry.get("reason", "")).strip()
        if not (package and advisory and reason):
            raise ValueError(f"{path}: every [[exception]] needs package, id and a reason: {entry}")
        out[(canonicalize_name(package), advisory)] = reason
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lock", type=pathlib.Path, default=ROOT / "requirements.lock")
    parser.add_argument("--advisories", type=pathlib.Path, default=ROOT.parent / "shared" / "advisories")
    parser.add_argument("--exceptions", type=pathlib.Path, default=ROOT / ".ci" / "audit-exceptions.toml")
    args = parser.parse_args(argv)
    try:
        archive, date = snapshot(args.advisories)
    except FileNotFoundError as exc:
        print(f"dependency audit: the advisory snapshot is missing: {exc}", file=sys.stderr)
        return 2
    pinned = pins(args.lock)
    allowed = exceptions(args.exceptions)
    findings = audit(pinned, archive)
    print(f"dependency audit: {len(pinned)} pinned packages of {args.lock.name} against the PyPA advisory database of {date}")
    print(f"  (advisories published after {date} are not in the snapshot)")
    failing = 0
    for f in findings:
        reason = next((allowed[(f.package, a)] for a in (f.advisory, *f.aliases) if (f.package, a) in allowed), None)
        fixed = f"; fixed in {', '.join(f.fixed)}" if f.fixed else "; no fixed version"
        if reason:
            print(f"  excepted  {f.package}=={f.version} {f.advisory} ({reason})")
        else:
            failing += 1
            print(f"  VULNERABLE {f.package}=={f.version} {f.advisory} {' '.join(f.aliases)}{fixed}: {f.summary}")
    print(f"dependency audit: {len(findings)} findings, {len(findings) - failing} excepted, {failing} failing")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
