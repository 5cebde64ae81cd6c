"""The log scan (issue 16, point 7): every log record of the test session is checked for a phone number, an
ID-card number or an email address, and the session fails naming each record that carried one.

A handler on the root logger sees every record of every thread (the app's ``redprop.*`` loggers from DEBUG up,
other libraries' as they are configured), formatted with its traceback, while the suite runs; the records are
also written to ``tests/output/log-records.txt`` for a person to read. At the end of the session each leak is
reported (the test, the logger, the level, what kind of number, the message with the number masked) and the
exit status becomes "tests failed": personal data is never logged (PIPL), in any test, on either backend.
"""

from __future__ import annotations

import logging
import os
import pathlib
import re
import threading
from dataclasses import dataclass

import pytest

OUTPUT = pathlib.Path(os.environ.get("LOG_SCAN_OUTPUT") or pathlib.Path(__file__).resolve().parents[1] / "output" / "log-records.txt")

_EDGE_BEFORE = r"(?<![0-9A-Za-z])"
_EDGE_AFTER = r"(?![0-9A-Za-z])"
PATTERNS = {
    "phone number": re.compile(_EDGE_BEFORE + r"(?:\+?86[- ]?)?1[3-9]\d{9}" + _EDGE_AFTER),
    "ID-card number": re.compile(
        _EDGE_BEFORE + r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]" + _EDGE_AFTER
    ),
    "email address": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}" + _EDGE_AFTER),
}


def find_personal_data(text: str) -> list[tuple[str, str]]:
    """``[(kind, match), …]`` for each phone number, ID-card number or email address in ``text``."""
    return [(kind, m.group()) for kind, pattern in PATTERNS.items() for m in pattern.finditer(text)]


def mask(text: str) -> str:
    for pattern in PATTERNS.values():
        text = pattern.sub(lambda m: m.group()[:3] + "…" + m.group()[-2:], text)
    return text


@dataclass
class Leak:
    test: str
    logger: str
    level: str
    kinds: list[str]
    message: str

    def describe(self) -> str:
        return f"{self.test}: {self.level} {self.logger} logged {', '.join(sorted(set(self.kinds)))}: {mask(self.message)[:300]}"


class LogScanner(logging.Handler):
    """Collects every record it is handed; remembers those that carry personal data."""

    def __init__(self, output: pathlib.Path | None = None) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.test = "(outside a test)"
        self.leaks: list[Leak] = []
        self.count = 0
        self._lock = threading.Lock()
        self._file = None
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            self._file = output.open("w", encoding="utf-8")

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "_log_scanned", False):  # seen on the app's logger, now passing the root's handlers
            return
        record._log_scanned = True
        try:
            text = self.format(record)
        except Exception:  # a record whose arguments do not fit its message is still scanned
            text = f"{record.msg!r} {record.args!r}"
        found = find_personal_data(text)
        with self._lock:
            self.count += 1
            if self._file is not None:
                self._file.write(f"[{self.test}] {mask(text) if found else text}\n")
            if found:
                self.leaks.append(Leak(self.test, record.name, record.levelname, [k for k, _ in found], text))

    def finish(self) -> None:
        """Close the file (``close`` is not it: ``logging.config.dictConfig`` closes every handler it finds)."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


_scanner: LogScanner | None = None
_app_level: int | None = None


def _attach() -> None:
    """On the app's logger (which no logging configuration touches) and on the root logger, whose handlers an
    application's logging configuration replaces (litestar's, when an app is built): attached again each phase."""
    if _scanner is None:
        return
    for logger in (logging.getLogger("redprop"), logging.getLogger()):
        if _scanner not in logger.handlers:
            logger.addHandler(_scanner)


def pytest_sessionstart(session: pytest.Session) -> None:
    global _scanner, _app_level
    _scanner = LogScanner(OUTPUT)
    app_logger = logging.getLogger("redprop")
    _app_level = app_logger.level
    app_logger.setLevel(logging.DEBUG)  # the app's own records at every level, not only what the root lets through
    _attach()


def pytest_runtest_logstart(nodeid: str, location) -> None:
    if _scanner is not None:
        _scanner.test = nodeid
    _attach()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    _attach()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    _attach()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _scanner
    if _scanner is None:
        return
    for logger in (logging.getLogger("redprop"), logging.getLogger()):
        logger.removeHandler(_scanner)
    logging.getLogger("redprop").setLevel(_app_level or logging.NOTSET)
    scanner, _scanner = _scanner, None
    scanner.finish()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if scanner.leaks:
        if reporter is not None:
            reporter.write_sep("=", f"personal data in {len(scanner.leaks)} of {scanner.count} log records", red=True)
            for leak in scanner.leaks[:50]:
                reporter.write_line(leak.describe())
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif reporter is not None and scanner.count:
        reporter.write_line(f"log scan: {scanner.count} log records, no phone, ID-card or email address ({OUTPUT})")
