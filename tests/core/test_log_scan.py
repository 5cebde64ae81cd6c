"""The log scan itself (tests/support/log_scan.py, issue 16, point 7): what it recognises, and that a session in
which a test logs a phone number fails, naming the test and the logger."""

from __future__ import annotations

import logging
import os
import pathlib
import subprocess
import sys
import uuid

from tests.support.log_scan import LogScanner, find_personal_data

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_it_recognises_phones_id_cards_and_email_addresses_and_nothing_else():
    found = find_personal_data("call 13812345678 or +86 13912345678; card 41010219900101123X; mail li.si@example.com.cn")
    assert [k for k, _ in found] == ["phone number", "phone number", "ID-card number", "email address"]
    harmless = (
        f"id {uuid.uuid4()} hex {uuid.UUID(int=0x13812345678).hex} at 2026-12-02T18:00:00+08:00, took 1733162345678 ns, "
        "amount 12345.67; sender redprop@localhost; room 3-1-1302; period 2026-12; count 99999999999999"
    )
    assert find_personal_data(harmless) == []


def test_the_scanner_names_the_record_that_leaked():
    scanner = LogScanner()
    logger = logging.getLogger("redprop.test_log_scan")
    logger.propagate = False  # this record is the test's, not a leak of the session
    logger.addHandler(scanner)
    try:
        scanner.test = "tests/x.py::test_y"
        logger.info("all fine for %s", "room 1302")
        logger.warning("code sent to %s", "13812345678")
    finally:
        logger.removeHandler(scanner)
        logger.propagate = True
    assert scanner.count == 2 and len(scanner.leaks) == 1
    text = scanner.leaks[0].describe()
    assert "tests/x.py::test_y" in text and "redprop.test_log_scan" in text and "WARNING" in text and "phone number" in text
    assert "13812345678" not in text  # the report masks what it found


def test_a_session_whose_test_logs_a_phone_number_fails(tmp_path):
    (tmp_path / "test_leaky.py").write_text(
        "import logging\n\n"
        "def test_fine():\n    logging.getLogger('redprop.quiet').info('nothing personal')\n\n"
        "def test_leaky():\n    logging.getLogger('redprop.otp').info('code for %s', '13812345678')\n"
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.support.log_scan",
            "--rootdir",
            str(tmp_path),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "LOG_SCAN_OUTPUT": str(tmp_path / "records.txt")},
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "2 passed" in run.stdout
    assert "test_leaky.py::test_leaky: INFO redprop.otp logged phone number" in run.stdout, run.stdout
    assert "test_fine" not in run.stdout.split("personal data in")[1]
