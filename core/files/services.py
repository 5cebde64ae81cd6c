"""Attachment rules: which records take files, who may read and write them, what a file really is.

The type of a file is sniffed from its first bytes, never taken from its name
or from what the client declares; only an allowlist of photo and document
types is accepted, and a file whose declared type names another allowed type
(a PDF sent as ``image/png``) is refused as an impostor. Access follows the
record: each record type is governed by one permission object (``tenants.room``
by ``tenants.housing``), checked in the compound's domains like every route.
"""

from __future__ import annotations

import errno
import hashlib
import io
import logging
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import module_state
from core.authz.guard import can
from core.db import CompoundScoped
from core.files.models import Attachment
from core.files.storage import Storage
from core.identity.principal import Principal
from core.ids import uuid7
from core.pagination import paginate
from core.problems import Problem, invalid, not_found
from core.settings import Settings, get_settings

log = logging.getLogger("redprop.files")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
}
"""Accepted content types and the file-name extensions that go with each (the first is canonical)."""
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png"}
# the main part's content type inside [Content_Types].xml tells a Word file from an Excel one
_OOXML_MAIN_PARTS = {DOCX: DOCX + ".main+xml", XLSX: XLSX + ".main+xml"}
_CONTENT_TYPES_MAX = 1024 * 1024  # a real [Content_Types].xml is a few KiB; never inflate more
MB = 1024 * 1024
MAX_BYTES_BY_TYPE: dict[str, int] = {
    "image/jpeg": 10 * MB,
    "image/png": 10 * MB,
    "image/gif": 5 * MB,
    "image/webp": 10 * MB,
    "application/pdf": 20 * MB,
    DOCX: 20 * MB,
    XLSX: 20 * MB,
}
"""The most each type may weigh (a phone photo is a few MB, a scanned document more); the deployment's
``max_upload_bytes`` caps them all."""


def max_upload_bytes(settings: Settings | None = None) -> int:
    """The largest attachment accepted (``Settings.max_upload_bytes``).

    Route decorators ask at import, before an application and its settings exist: they get the process's.
    """
    return (settings or get_settings()).max_upload_bytes


# --------------------------------------------------------------------------- record types


@dataclass(frozen=True)
class RecordType:
    """A kind of record that takes attachments and the permission object that governs it."""

    name: str
    obj: str
    model: type[CompoundScoped] | None = None
    """When given, an upload checks that the record exists in the compound."""
    module: str | None = None
    """The gated module owning the records: where it is off, its attachments are too."""
    visible: Any = None
    """``async (session, principal, enforcer, compound_id, record_ids) -> set of visible ids``: for records that
    not everyone holding the permission may see (a resident's own repair request); None: all are visible."""


RECORD_TYPES: dict[str, RecordType] = {}
"""Filled by the application factory from every plugin's ``redprop_record_types`` (the control plane's housing too)."""


def register_record_type(
    name: str, obj: str, model: type[CompoundScoped] | None = None, module: str | None = None, visible: Any = None
) -> RecordType:
    """Let records of type ``name`` take attachments, read and written under permission object ``obj``."""
    entry = RecordType(name, obj, model, module, visible)
    existing = RECORD_TYPES.get(name)
    if existing is not None and existing != entry:
        raise ValueError(f"record type {name!r} is already registered with permission object {existing.obj!r}")
    RECORD_TYPES[name] = entry
    return entry


def record_type(name: str) -> RecordType:
    entry = RECORD_TYPES.get(name)
    if entry is None:
        raise invalid("record_type", f"unknown record type {name!r}")
    return entry


# --------------------------------------------------------------------------- sniffing


def sniff(data: bytes) -> str | None:
    """The allowed content type ``data`` is, judged by its bytes; None when it is none of them."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"PK\x03\x04"):
        return _sniff_ooxml(data)
    return None


def _sniff_ooxml(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _CONTENT_TYPES_MAX:
                return None
            with archive.open(info) as part:
                manifest = part.read(_CONTENT_TYPES_MAX).decode("utf-8", "replace")
            names = set(archive.namelist())
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        return None
    for content_type, main_part in _OOXML_MAIN_PARTS.items():
        # the manifest must name the main part, and that part must be in the package (a zip renamed .docx is not)
        for override in re.finditer(r"<Override\b[^>]*>", manifest):
            tag = override.group(0)
            name = re.search(r'PartName="/?([^"]+)"', tag)
            if f'"{main_part}"' in tag and name and name.group(1) in names:
                return content_type
    return None


def _declared(content_type: str | None) -> str:
    base = (content_type or "").split(";", 1)[0].strip().lower()
    return _ALIASES.get(base, base)


def check_content(data: bytes, declared_type: str | None) -> str:
    """The sniffed type of an upload, or the 415 problem saying what it really is."""
    sniffed = sniff(data)
    declared = _declared(declared_type)
    allowed = sorted(ALLOWED_TYPES)
    if sniffed is None:
        message = "the content is not a JPEG, PNG, GIF or WebP image, a PDF, or a Word (.docx) or Excel (.xlsx) file"
        raise Problem(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            message,
            sniffed=None,
            declared=declared or None,
            allowed=allowed,
            errors=[{"field": "file", "message": message}],
        )
    # a client's declared type is only trusted to catch impostors: if it names a type we know, the bytes must agree
    if (declared.startswith("image/") or declared in ALLOWED_TYPES) and declared != sniffed:
        message = f"declared as {declared} but the content is {sniffed}"
        raise Problem(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            message,
            sniffed=sniffed,
            declared=declared,
            allowed=allowed,
            errors=[{"field": "file", "message": message}],
        )
    return sniffed


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def _visible_char(c: str) -> bool:
    # format characters (Cf: bidirectional overrides and isolates U+202A-202E, U+2066-2069, marks, zero-width
    # joiners) can make "gpj.exe" read as "exe.jpg"; control characters (Cc) have no place in a name
    return unicodedata.category(c) not in ("Cf", "Cc")


def safe_filename(name: str | None, content_type: str) -> str:
    """A display name: no path, no control or reserved characters, and an extension that matches the content."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    base = "".join(c for c in base if _visible_char(c))
    base = _UNSAFE.sub("_", base)
    base = " ".join(base.split()).strip(" .")
    extensions = ALLOWED_TYPES[content_type]
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    if f".{ext.lower()}" not in extensions:
        # the name must not suggest another type than the bytes: "photo.png" holding a PDF becomes "photo.pdf"
        ext = extensions[0][1:]
    stem = (stem or "file")[:200]
    return f"{stem}.{ext}"


# --------------------------------------------------------------------------- access


def _reach(principal: Principal, compound_id: uuid.UUID) -> None:
    if not principal.scope.allows(compound_id):
        raise not_found("compound")


def _authorise(principal: Principal, enforcer, compound_id: uuid.UUID, entry: RecordType, act: str, *, hide: bool = False) -> None:
    if not can(principal, enforcer, entry.obj, act, compound_id):
        if hide:  # a download link must not tell an outsider that the file exists
            raise not_found("attachment")
        raise Problem(
            403, "forbidden", "Forbidden", f"this needs '{act}' on '{entry.obj}'", permission={"object": entry.obj, "action": act}
        )


async def _module_on(session: AsyncSession, compound_id: uuid.UUID, entry: RecordType) -> tuple[bool, str]:
    if entry.module is None:
        return True, ""
    return await module_state(session, compound_id, entry.module)


async def _gate(session: AsyncSession, compound_id: uuid.UUID, entry: RecordType) -> None:
    active, reason = await _module_on(session, compound_id, entry)
    if not active:
        raise Problem(
            403,
            "module-disabled",
            "Module not enabled",
            f"module '{entry.module}' is not enabled for this compound: {reason}",
            module=entry.module,
            reason=reason,
        )


async def upload(
    session: AsyncSession,
    storage: Storage,
    principal: Principal,
    enforcer,
    compound_id: uuid.UUID,
    record_type_name: str,
    record_id: uuid.UUID,
    filename: str | None,
    declared_type: str | None,
    data: bytes,
    max_bytes: int,
) -> Attachment:
    """Store an upload for a record. Every check runs before anything is written."""
    _reach(principal, compound_id)
    entry = record_type(record_type_name)
    _authorise(principal, enforcer, compound_id, entry, "write")
    await _gate(session, compound_id, entry)
    if len(data) > max_bytes:
        raise Problem(
            413,
            "too-large",
            "Request too large",
            f"the file exceeds the limit of {max_bytes} bytes",
            max_bytes=max_bytes,
            errors=[{"field": "file", "message": f"larger than {max_bytes} bytes"}],
        )
    if not data:
        raise invalid("file", "the file is empty")
    content_type = check_content(data, declared_type)
    type_limit = min(max_bytes, MAX_BYTES_BY_TYPE[content_type])
    if len(data) > type_limit:
        raise Problem(
            413,
            "too-large",
            "Request too large",
            f"a {content_type} file may be at most {type_limit} bytes",
            max_bytes=type_limit,
            errors=[{"field": "file", "message": f"larger than {type_limit} bytes for {content_type}"}],
        )
    if entry.model is not None:
        model = entry.model
        exists = await session.scalar(select(model.id).where(model.compound_id == compound_id, model.id == record_id))
        if exists is None:
            raise not_found(entry.name.rsplit(".", 1)[-1])
    if not await _visible(session, principal, enforcer, compound_id, entry, [record_id]):
        raise not_found(entry.name.rsplit(".", 1)[-1])
    attachment_id = uuid7()
    row = Attachment(
        id=attachment_id,
        compound_id=compound_id,
        record_type=entry.name,
        record_id=record_id,
        filename=safe_filename(filename, content_type),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=f"{compound_id}/{attachment_id}",
        uploaded_by=principal.user_id,
    )
    session.add(row)
    # the row first: a refused insert leaves no blob behind; a failed put raises and the row is rolled back.
    # Only a failed commit after a successful put leaves an orphan blob, unreachable and harmless.
    await session.flush()
    try:
        await storage.put(row.storage_key, data, content_type)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        # the store is full: a clear answer, and the rollback drops the row (the store removed its partial write)
        log.error("attachment store full (%s): upload of %s bytes refused", errno.errorcode.get(exc.errno or 0, exc.errno), len(data))
        raise Problem(
            507, "storage-full", "Insufficient storage", "the attachment store is full: nothing was saved; try again later"
        ) from exc
    return row


async def list_attachments(
    session: AsyncSession,
    principal: Principal,
    enforcer,
    compound_id: uuid.UUID,
    record_type_name: str | None,
    record_id: uuid.UUID | None,
    limit: int,
    offset: int,
) -> tuple[list[Attachment], int]:
    """A compound's attachments the caller may read, newest first; narrowed to one record type and record."""
    _reach(principal, compound_id)
    if record_type_name is not None:
        entry = record_type(record_type_name)
        _authorise(principal, enforcer, compound_id, entry, "read")
        await _gate(session, compound_id, entry)
        readable = [entry.name]
    else:
        readable = [
            t.name
            for t in RECORD_TYPES.values()
            if can(principal, enforcer, t.obj, "read", compound_id) and (await _module_on(session, compound_id, t))[0]
        ]
    conditions = [Attachment.record_type.in_([n for n in readable if RECORD_TYPES[n].visible is None])]
    for name in readable:
        entry = RECORD_TYPES[name]
        if entry.visible is None:
            continue
        candidates = (
            [record_id]
            if record_id is not None
            else list(
                (
                    await session.scalars(
                        select(Attachment.record_id).where(Attachment.compound_id == compound_id, Attachment.record_type == name).distinct()
                    )
                ).all()
            )
        )
        shown = await _visible(session, principal, enforcer, compound_id, entry, candidates)
        if shown:
            conditions.append(and_(Attachment.record_type == name, Attachment.record_id.in_(sorted(shown))))
    stmt = select(Attachment).where(Attachment.compound_id == compound_id, or_(*conditions))
    if record_id is not None:
        stmt = stmt.where(Attachment.record_id == record_id)
    return await paginate(session, stmt.order_by(Attachment.created_at.desc(), Attachment.id.desc()), limit, offset)


async def download(
    session: AsyncSession, storage: Storage, principal: Principal, enforcer, compound_id: uuid.UUID, attachment_id: uuid.UUID
) -> tuple[Attachment, bytes]:
    """The attachment and its bytes; 404 alike for a missing file and one the caller may not read."""
    _reach(principal, compound_id)
    row = await session.scalar(select(Attachment).where(Attachment.compound_id == compound_id, Attachment.id == attachment_id))
    entry = RECORD_TYPES.get(row.record_type) if row is not None else None
    if row is None or entry is None:  # a record type whose plugin was removed has nobody to vouch for access
        raise not_found("attachment")
    _authorise(principal, enforcer, compound_id, entry, "read", hide=True)
    await _gate(session, compound_id, entry)
    if not await _visible(session, principal, enforcer, compound_id, entry, [row.record_id]):
        raise not_found("attachment")
    return row, await storage.get(row.storage_key)


__all__ = [
    "ALLOWED_TYPES",
    "RECORD_TYPES",
    "RecordType",
    "register_record_type",
    "record_type",
    "sniff",
    "check_content",
    "safe_filename",
    "max_upload_bytes",
    "upload",
    "list_attachments",
    "download",
]


async def _visible(
    session: AsyncSession, principal: Principal, enforcer, compound_id: uuid.UUID, entry: RecordType, record_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    """The records among ``record_ids`` the caller may see (all of them unless the record type narrows it)."""
    if entry.visible is None:
        return set(record_ids)
    return set(await entry.visible(session, principal, enforcer, compound_id, list(record_ids)))
