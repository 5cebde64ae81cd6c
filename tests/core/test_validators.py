"""Checksums of unified social credit codes and ID-card numbers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.validators import USCC_CHARS, id_card_problem, uscc_check_char, uscc_problem


def test_known_credit_codes():
    assert uscc_problem("91350100M000100Y43") is None
    assert uscc_problem("91350100M000100Y44") is not None
    assert "18" in uscc_problem("9135")
    assert "not allowed" in uscc_problem("91350100M000100YI3")


@given(st.text(alphabet=USCC_CHARS, min_size=17, max_size=17))
def test_generated_codes_validate_and_any_single_change_is_caught(body):
    code = body + uscc_check_char(body)
    assert uscc_problem(code) is None
    for i in range(18):
        for c in USCC_CHARS[:5]:
            if c != code[i]:
                assert uscc_problem(code[:i] + c + code[i + 1 :]) is not None


def test_id_cards():
    assert id_card_problem("11010519491231002X") is None
    assert id_card_problem("110105194912310021") is not None
    assert "date" in id_card_problem("110105194913310020")
