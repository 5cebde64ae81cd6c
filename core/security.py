"""Passwords, tokens, encryption at rest and masking of personal data (PIPL, 个人信息保护法)."""

from __future__ import annotations

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
    return nonce + _aead(get_settings().data_key).encrypt(nonce, plaintext.encode(), b"redprop-pii")


def decrypt_pii(blob: bytes | None) -> str | None:
    if not blob:
        return None
    return _aead(get_settings().data_key).decrypt(blob[:12], blob[12:], b"redprop-pii").decode()


@lru_cache(maxsize=4)
def _aead(key: bytes) -> AESGCM:
    """The cipher of a data key, built once per key (building it cost as much as sealing a value)."""
    return AESGCM(key)


@lru_cache(maxsize=4)
def _blind_key(secret_key: str) -> bytes:
    return hashlib.sha256(b"blind-index:" + secret_key.encode()).digest()


_B32_PAIRS = tuple(a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
"""Two base32 characters (RFC 4648) for each 10-bit value."""


def blind_index(value: str) -> str:
    """Keyed hash for equality look-ups (one owner, several rooms) without decrypting: the first 40 base32
    characters of HMAC-SHA256 (its first 200 bits), encoded ten bits at a time (``base64.b32encode`` is pure Python
    and took 40 µs, most of a sealed phone's cost when 1.5 million residents are generated)."""
    bits = int.from_bytes(hmac.digest(_blind_key(get_settings().secret_key), value.encode(), "sha256")[:25], "big")
    return "".join([_B32_PAIRS[(bits >> shift) & 1023] for shift in range(190, -1, -10)])


def address_index(address: str | None) -> str | None:
    """A client's network address as tables keep it (login failures, one-time codes): a keyed hash. The limits per
    address only ask whether two requests came from the same one, so no table holds an address itself."""
    return blind_index("address:" + address) if address else None


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


# --------------------------------------------------------------------------- response headers

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""Every response that sets none of its own: scripts and styles only from files of this host, never inline."""
SECURITY_HEADERS = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"),
    ("cross-origin-opener-policy", "same-origin"),
)
HSTS = "max-age=31536000; includeSubDomains"


def over_tls(scope: dict, settings) -> bool:
    """The client reached us through TLS: directly, as every client does behind a TLS proxy (``REDPROP_HSTS``), or
    as ``X-Forwarded-Proto: https`` says when the peer is a proxy we trust (``REDPROP_TRUSTED_PROXIES``)."""
    if scope.get("scheme") == "https" or settings.hsts:
        return True
    peer = (scope.get("client") or ("",))[0]
    if peer not in settings.trusted_proxies:
        return False
    forwarded = dict(scope.get("headers") or []).get(b"x-forwarded-proto", b"")
    return forwarded.split(b",")[0].strip().lower() == b"https"


async def security_headers(message: dict, scope: dict) -> None:
    """``before_send`` hook: the security headers on every response (pages, API, errors, the API viewer, files,
    and the router's own 404 and 405), each unless the response set it already; HSTS over TLS."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers") or [])
    present = {bytes(name).lower() for name, _ in headers}
    for name, value in SECURITY_HEADERS:
        if name.encode() not in present:
            headers.append((name.encode(), value.encode()))
    app = scope.get("app")
    settings = app.state.get("settings") if app is not None else None
    if settings is not None and b"strict-transport-security" not in present and over_tls(scope, settings):
        headers.append((b"strict-transport-security", HSTS.encode()))
    message["headers"] = headers
