"""Passwords, tokens, encryption at rest and masking of personal data (PIPL, 个人信息保护法)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.settings import get_settings


@lru_cache(maxsize=2)
def _hasher(profile: str) -> PasswordHasher:
    if profile == "fast":  # tests only: same algorithm, tiny cost
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher(get_settings().password_hash_profile).hash(password)


_DUMMY_HASH: dict[str, str] = {}


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; spends the same work when there is no user."""
    hasher = _hasher(get_settings().password_hash_profile)
    if password_hash is None:
        profile = get_settings().password_hash_profile
        _DUMMY_HASH.setdefault(profile, hasher.hash(secrets.token_hex(8)))
        password_hash = _DUMMY_HASH[profile]
        try:
            hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Tokens are stored only as their SHA-256 digest."""
    return hashlib.sha256(token.encode()).hexdigest()


# --------------------------------------------------------------------------- encryption


def encrypt_pii(plaintext: str) -> bytes:
    """AES-256-GCM with a random nonce; the nonce is stored in front of the ciphertext."""
    nonce = os.urandom(12)
    return nonce + AESGCM(get_settings().data_key).encrypt(nonce, plaintext.encode(), b"redprop-pii")


def decrypt_pii(blob: bytes | None) -> str | None:
    if not blob:
        return None
    return AESGCM(get_settings().data_key).decrypt(blob[:12], blob[12:], b"redprop-pii").decode()


def blind_index(value: str) -> str:
    """Keyed hash for equality look-ups (one owner, several rooms) without decrypting."""
    key = hashlib.sha256(b"blind-index:" + get_settings().secret_key.encode()).digest()
    return base64.b32encode(hmac.new(key, value.encode(), hashlib.sha256).digest()).decode()[:40]


# --------------------------------------------------------------------------- masking


def mask_id_card(number: str | None) -> str | None:
    """``410102199001011234`` → ``4101**********1234``."""
    if not number:
        return number
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(phone: str | None) -> str | None:
    """``13812345678`` → ``138****5678``."""
    if not phone:
        return phone
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
