"""Phone numbers at rest: encrypted like ID-card numbers (``core.security.encrypt_pii``) with a blind index
(``core.security.blind_index``) for the look-ups that need one (log in by phone, one account per number, a
resident's household by the account's phone).

A model mixes in :class:`SealedPhone` and keeps its ``phone`` attribute: reading it decrypts, writing it seals
and indexes, and ``Model.phone == number`` / ``Model.phone.in_(numbers)`` compare blind indexes, so queries
never see a plain number. Selecting ``Model.phone`` selects the index: select ``phone_cipher`` and decrypt.

Other numbers (a request's contact phone, a visitor's phone, a volunteer's, a notification channel's address)
use :func:`sealed_phone`, the same thing for any attribute name; where nothing looks a number up it keeps no blind index (``indexed=False``), so the
same number cannot be linked across tables by its index. Plugins' migrations convert a plain column with
:func:`seal_phone_column` and back with :func:`open_phone_column`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import LargeBinary, String, text
from sqlalchemy.ext.hybrid import Comparator, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from core.security import blind_index, decrypt_pii, encrypt_pii


def normalise_phone(phone: str) -> str:
    return "".join(phone.split())


def phone_index(phone: str | None) -> str | None:
    """The blind index of a phone number (None for none)."""
    return blind_index("phone:" + normalise_phone(phone)) if phone else None


def seal_phone(phone: str | None, name: str = "phone", *, indexed: bool = True) -> dict[str, Any]:
    """The columns of a phone number, for a Core insert or update: ``{"phone_cipher": …, "phone_index": …}``
    (``{name}_cipher`` and, when ``indexed``, ``{name}_index``)."""
    cipher = encrypt_pii(normalise_phone(phone)) if phone else None
    if not indexed:
        return {f"{name}_cipher": cipher}
    return {f"{name}_cipher": cipher, f"{name}_index": phone_index(phone)}


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


class _Unindexed(_ByIndex):
    """A number sealed without a blind index: only "has one or not" can be asked of it in SQL."""

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        if other is None:
            return self.expression.is_(None)
        raise TypeError("this phone number is sealed without a blind index: it cannot be looked up")

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        if other is None:
            return self.expression.is_not(None)
        raise TypeError("this phone number is sealed without a blind index: it cannot be looked up")

    def in_(self, other: Iterable[str]) -> Any:  # type: ignore[override]
        raise TypeError("this phone number is sealed without a blind index: it cannot be looked up")


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


def sealed_phone(name: str = "phone", *, indexed: bool = True) -> type:
    """A mixin like :class:`SealedPhone` for the attribute ``name``: ``{name}_cipher`` and, when ``indexed``,
    ``{name}_index`` behind ``name`` (``sealed_phone("contact_phone", indexed=False)``)."""
    if name == "phone" and indexed:
        return SealedPhone
    cipher, index = f"{name}_cipher", f"{name}_index"

    def get(self: Any) -> str | None:
        return decrypt_pii(getattr(self, cipher))

    def put(self: Any, value: str | None) -> None:
        for key, sealed in seal_phone(value, name, indexed=indexed).items():
            setattr(self, key, sealed)

    def compare(cls: Any) -> Comparator:
        return _ByIndex(getattr(cls, index)) if indexed else _Unindexed(getattr(cls, cipher))

    namespace: dict[str, Any] = {
        "__doc__": f"Mixin: ``{name}`` sealed (``{cipher}``{f', ``{index}``' if indexed else ''}); see :func:`sealed_phone`.",
        cipher: mapped_column(cipher, LargeBinary, nullable=True),
        name: hybrid_property(get, put, custom_comparator=compare),
    }
    if indexed:
        namespace[index] = mapped_column(index, String(40), nullable=True)
    return type(f"Sealed_{name}", (), namespace)


# --------------------------------------------------------------------------- migrations


def _forced(bind: Any, table: str) -> bool:
    if bind.dialect.name != "postgresql":
        return False
    return bool(bind.execute(text("SELECT relforcerowsecurity FROM pg_class WHERE relname = :t"), {"t": table}).scalar())


def _rewrite(bind: Any, table: str, read: str, write: dict[str, Any], convert: Any, keys: tuple[str, ...] = ("id",)) -> None:
    """Rewrite every row of ``table`` (as the owner: row-level security unforced for the while, where it is)."""
    forced = _forced(bind, table)
    if forced:
        bind.execute(text(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY"))
    try:
        rows = bind.execute(text(f"SELECT {', '.join(keys)}, {read} FROM {table} WHERE {read} IS NOT NULL")).all()
        if rows:
            sets = ", ".join(f"{column} = :{column}" for column in write)
            where = " AND ".join(f"{key} = :_{key}" for key in keys)
            bind.execute(
                text(f"UPDATE {table} SET {sets} WHERE {where}"),
                [{**{f"_{key}": value for key, value in zip(keys, row[:-1], strict=True)}, **convert(row[-1])} for row in rows],
            )
    finally:
        if forced:
            bind.execute(text(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY"))


def seal_phone_column(table: str, name: str = "phone", *, indexed: bool = False, keys: tuple[str, ...] = ("id",)) -> None:
    """Migration step: the plain column ``table.name`` becomes ``{name}_cipher`` (and ``{name}_index``), every
    existing number sealed (needs the deployment's keys); :func:`open_phone_column` undoes it. ``keys``: the
    table's primary key columns."""
    import sqlalchemy as sa
    from alembic import op

    bind = op.get_bind()
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column(f"{name}_cipher", sa.LargeBinary(), nullable=True))
        if indexed:
            batch.add_column(sa.Column(f"{name}_index", sa.String(40), nullable=True))
    columns = seal_phone(None, name, indexed=indexed)
    _rewrite(bind, table, name, columns, lambda phone: seal_phone(phone, name, indexed=indexed), keys)
    with op.batch_alter_table(table) as batch:
        batch.drop_column(name)
    if indexed:
        op.create_index(f"ix_{table}_{name}_index", table, ["compound_id", f"{name}_index"])


def open_phone_column(
    table: str, name: str = "phone", *, indexed: bool = False, keys: tuple[str, ...] = ("id",), length: int = 20, nullable: bool = True
) -> None:
    """Migration step back: ``{name}_cipher`` decrypted into the plain column ``name`` (``String(length)``) again."""
    import sqlalchemy as sa
    from alembic import op

    bind = op.get_bind()
    if indexed:
        op.drop_index(f"ix_{table}_{name}_index", table)
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column(name, sa.String(length), nullable=True))
    _rewrite(bind, table, f"{name}_cipher", {name: None}, lambda cipher: {name: decrypt_pii(bytes(cipher))}, keys)
    with op.batch_alter_table(table) as batch:
        if not nullable:
            batch.alter_column(name, existing_type=sa.String(length), nullable=False)
        if indexed:
            batch.drop_column(f"{name}_index")
        batch.drop_column(f"{name}_cipher")
