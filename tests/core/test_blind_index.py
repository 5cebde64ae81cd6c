"""The blind index keeps its stored form (the first 40 RFC 4648 base32 characters of HMAC-SHA256): rows indexed
before its faster encoding are still found."""

import base64
import hashlib
import hmac
import random

from core.security import blind_index
from core.settings import get_settings


def _reference(value: str) -> str:
    key = hashlib.sha256(b"blind-index:" + get_settings().secret_key.encode()).digest()
    return base64.b32encode(hmac.new(key, value.encode(), hashlib.sha256).digest()).decode()[:40]


def test_blind_index_is_the_base32_of_the_hmac():
    rng = random.Random(17)
    values = ["", "13800000001", "phone:13800000001", "41050219680405021X", "张建国"]
    values += ["".join(chr(rng.randrange(32, 0x9FFF)) for _ in range(rng.randrange(0, 30))) for _ in range(500)]
    for value in values:
        assert blind_index(value) == _reference(value)
