"""Phone numbers at rest: encrypted like ID-card numbers (``core.security.encrypt_pii``) with a blind index
(``core.security.blind_index``) for the look-ups that need one (log in by phone, one account per number, a
resident's household by the account's phone).

A model mixes in :class:`SealedPhone` and keeps its ``phone`` attribute: reading it decrypts, writing it seals
and indexes, and ``Model.phone == number`` / ``Model.phone.in_(numbers)`` compare blind indexes, so queries
never see a plain number. Selecting ``Model.phone`` selects the index: select ``phone_cipher`` and decrypt.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import LargeBinary, String
from sqlalchemy.ext.hybrid import Comparator, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from core.security import blind_index, decrypt_pii, encrypt_pii


def normalise_phone(phone: str) -> str:
    return "".join(phone.split())


def phone_index(phone: str | None) -> str | None:
    """The blind index of a phone number (None for none)."""
    return blind_index("phone:" + normalise_phone(phone)) if phone else None


def seal_phone(phone: str | None) -> dict[str, Any]:
    """The two columns of a phone number, for a Core insert or update: ``{"phone_cipher": …, "phone_index": …}``."""
    if not phone:
        return {"phone_cipher": None, "phone_index": None}
    return {"phone_cipher": encrypt_pii(normalise_phone(phone)), "phone_index": phone_index(phone)}


class _ByIndex(Comparator):
    """``Model.phone == "138…"`` → ``phone_index = <blind index>``."""

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        if other is None:
            return self.expression.is_(None)
        return self.expression == phone_index(other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        if other is None:
            return self.expression.is_not(None)
        return self.expression != phone_index(other)

    def in_(self, other: Iterable[str]) -> Any:  # type: ignore[override]
        return self.expression.in_([phone_index(p) for p in other])

    def is_(self, other: Any) -> Any:  # type: ignore[override]
        return self.expression.is_(other)

    def is_not(self, other: Any) -> Any:  # type: ignore[override]
        return self.expression.is_not(other)


class SealedPhone:
    """Mixin: ``phone_cipher`` (AES-GCM) and ``phone_index`` (blind index) behind a ``phone`` attribute."""

    phone_cipher: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    phone_index: Mapped[str | None] = mapped_column(String(40), nullable=True)

    @hybrid_property
    def phone(self) -> str | None:
        return decrypt_pii(self.phone_cipher)

    @phone.inplace.setter
    def _phone_setter(self, value: str | None) -> None:
        sealed = seal_phone(value)
        self.phone_cipher, self.phone_index = sealed["phone_cipher"], sealed["phone_index"]

    @phone.inplace.comparator
    @classmethod
    def _phone_comparator(cls) -> _ByIndex:
        return _ByIndex(cls.phone_index)
