"""Checksums of unified social credit codes and ID-card numbers."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from core.validators import (
    PROVINCES,
    USCC_CHARS,
    USCC_KINDS,
    id_card_check_char,
    id_card_problem,
    org_code_check_char,
    uscc_check_char,
    uscc_problem,
)


def test_known_credit_codes():
    assert uscc_problem("91350100M000100Y43") is None
    assert uscc_problem("91350100M000100Y44") is not None
    assert "18" in uscc_problem("9135")
    assert "not allowed" in uscc_problem("91350100M000100YI3")


def test_every_part_of_a_credit_code_is_checked():
    assert uscc_problem("91110000600037341L") is None  # a real enterprise's code
    # the embedded organisation code's own check character (GB 11714): 9135 0100 M000100Y[4] -> 5, final char recomputed
    body = "91350100M000100Y5"
    assert "organisation code" in uscc_problem(body + uscc_check_char(body))
    body = "00350100M000100Y4"  # no registration authority 0
    assert "registration authority" in uscc_problem(body + uscc_check_char(body))
    body = "94350100M000100Y4"  # 工商 registers kinds 1-3 only
    assert "kind of organisation" in uscc_problem(body + uscc_check_char(body))
    body = "91000000M000100Y4"  # division 000000 names no province
    assert "division" in uscc_problem(body + uscc_check_char(body))


def test_demo_credit_codes_are_valid():
    from tenants.demo import credit_code

    assert all(uscc_problem(credit_code(n)) is None for n in (1, 101, 202, 303, 777, 999999))


@given(
    st.sampled_from(sorted(USCC_KINDS.items())).flatmap(lambda kv: st.tuples(st.just(kv[0]), st.sampled_from(kv[1]))),
    st.sampled_from(sorted(PROVINCES)),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    st.text(alphabet=USCC_CHARS.replace("X", ""), min_size=8, max_size=8),
)
def test_generated_codes_validate_and_any_single_change_is_caught(authority_kind, province, rest, org):
    body = "".join(authority_kind) + province + rest + org + org_code_check_char(org)
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


def test_id_cards_with_an_impossible_division_or_birth_date_are_refused():
    def card(body: str) -> str:
        return body + id_card_check_char(body)

    assert id_card_problem(card("41050219800101001")) is None
    assert "division" in id_card_problem(card("00000019800101001"))
    assert "province" in id_card_problem(card("41000019800101001"))
    assert "future" in id_card_problem(card("41050220991231001"))
    assert "future" in id_card_problem(card("41050220261203001"), today=dt.date(2026, 12, 2))
    assert id_card_problem(card("41050220261202001"), today=dt.date(2026, 12, 2)) is None
    assert "1900" in id_card_problem(card("41050218991231001"))
