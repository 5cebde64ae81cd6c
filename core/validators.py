"""Checksums of Chinese identifiers: unified social credit code and resident ID-card number."""

from __future__ import annotations

import datetime as dt

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def uscc_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015)."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid 统一社会信用代码, or None when it is."""
    if len(code) != 18:
        return "must be 18 characters"
    bad = sorted({c for c in code if c not in USCC_CHARS})
    if bad:
        return f"contains characters not allowed in a credit code: {''.join(bad)}"
    if uscc_check_char(code[:17]) != code[17]:
        return "check character does not match (GB 32100-2015)"
    return None


def id_card_problem(number: str) -> str | None:
    """Why ``number`` is not a valid 18-digit resident ID-card number (GB 11643), or None."""
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return "must be 17 digits followed by a digit or X"
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "birth date part is not a date"
    total = sum(int(c) * w for c, w in zip(number[:17], ID_WEIGHTS, strict=True))
    if ID_CHECK[total % 11] != number[17]:
        return "check digit does not match (GB 11643)"
    return None


def id_card_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def phone_problem(phone: str) -> str | None:
    """Why ``phone`` is not a mainland mobile number (11 digits starting with 1), or None."""
    if len(phone) != 11 or not phone.isdigit() or phone[0] != "1" or phone[1] not in "3456789":
        return "must be an 11-digit mainland mobile number"
    return None
