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


# registration authority (登记管理部门) -> organisation kinds (机构类别) it may register (GB 32100-2015, annex A)
USCC_KINDS = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 中央编办直接管理机构编制的群众团体, 其他
    "2": "19",  # 外交
    "3": "1234559",  # 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    "4": "19",  # 文化
    "5": "1239",  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 工商: 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业
    "Y": "1",  # 其他
}
PROVINCES = frozenset("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split())
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


def org_code_check_char(first8: str) -> str:
    """The check character of a 9-character organisation code (组织机构代码, GB 11714-1997)."""
    rest = 11 - sum(_org_value(c) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(rest, str(rest))


def division_problem(code: str, *, county: bool = False) -> str | None:
    """Why a 6-digit administrative division code (GB/T 2260) is not one, or None."""
    if len(code) != 6 or not code.isdigit():
        return "administrative division must be 6 digits"
    if code == "100000" and not county:  # registered at the national level
        return None
    if code[:2] not in PROVINCES:
        return f"administrative division {code} names no province"
    if county and code[2:] == "0000":
        return f"administrative division {code} is a province, not a county"
    return None


def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid 统一社会信用代码 (GB 32100-2015), or None when it is.

    Every part is checked: the registration authority and the kind of organisation
    it may register, the administrative division, the embedded organisation code
    with its own check character (GB 11714), and the final check character.
    """
    if len(code) != 18:
        return "must be 18 characters"
    bad = sorted({c for c in code if c not in USCC_CHARS})
    if bad:
        return f"contains characters not allowed in a credit code: {''.join(bad)}"
    kinds = USCC_KINDS.get(code[0])
    if kinds is None:
        return f"'{code[0]}' is not a registration authority (first character)"
    if code[1] not in kinds:
        return f"'{code[1]}' is not a kind of organisation that authority '{code[0]}' registers (second character)"
    problem = division_problem(code[2:8])
    if problem:
        return problem + " (characters 3-8)"
    if org_code_check_char(code[8:16]) != code[16]:
        return "the embedded organisation code's check character does not match (GB 11714, character 17)"
    if uscc_check_char(code[:17]) != code[17]:
        return "check character does not match (GB 32100-2015)"
    return None


def id_card_problem(number: str, *, today: dt.date | None = None) -> str | None:
    """Why ``number`` is not a valid 18-digit resident ID-card number (GB 11643), or None.

    The division must name a county of a province, the birth date must be a real
    date between 1900 and today, and the check digit must match.
    """
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return "must be 17 digits followed by a digit or X"
    problem = division_problem(number[:6], county=True)
    if problem:
        return problem
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "birth date part is not a date"
    if today is None:
        from core.clock import now

        today = now().astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    if born > today:
        return "birth date part is in the future"
    if born.year < 1900:
        return "birth date part is before 1900"
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
