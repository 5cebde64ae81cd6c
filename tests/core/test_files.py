"""Attachments: sniffed types, size limit, access that follows the record, local disk and S3 (moto) storage."""

from __future__ import annotations

import dataclasses
import io
import socket
import struct
import uuid
import zipfile
import zlib

import openpyxl
import pytest
from sqlalchemy import func, select

from core.db import Scope
from core.files.models import Attachment
from core.files.services import DOCX, XLSX, register_record_type, safe_filename, sniff
from core.files.storage import LocalStorage, S3Storage, make_storage
from core.settings import Settings, SettingsError, load_settings
from tenants.models import Room, Unit

BUCKET = "redprop-test"
S3_SETTINGS = {"storage_url": f"s3://{BUCKET}", "s3_access_key": "test", "s3_secret_key": "test"}
"""Point an application at moto (``s3_endpoint`` is added by the ``settings`` fixture)."""


def png(width: int = 2, height: int = 2, extra: int = 0) -> bytes:
    """A real PNG (grey pixels); ``extra`` pads it with a private ancillary chunk to grow it."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    parts = [chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)), chunk(b"IDAT", zlib.compress(rows))]
    if extra:
        parts.append(chunk(b"prVt", b"\x00" * extra))
    return b"\x89PNG\r\n\x1a\n" + b"".join(parts) + chunk(b"IEND", b"")


def docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            f'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="{DOCX}.main+xml"/></Types>',
        )
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def xlsx() -> bytes:
    buf = io.BytesIO()
    book = openpyxl.Workbook()
    book.active["A1"] = "房号"
    book.save(buf)
    return buf.getvalue()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def settings(settings, tmp_path, request):
    """The suite's settings with attachments under this test's own directory; a test parametrizes it
    indirectly with more fields to change (``S3_SETTINGS`` also starts moto)."""
    changes = dict(getattr(request, "param", {}))
    if changes.get("storage_url", "").startswith("s3://"):
        changes["s3_endpoint"] = request.getfixturevalue("s3_endpoint")
    defaults = {"storage_url": Settings.storage_url, "max_upload_bytes": Settings.max_upload_bytes}  # not the developer's environment
    return dataclasses.replace(settings, var_dir=tmp_path / "var", **{**defaults, **changes})


@pytest.fixture
def files_dir(settings):
    return settings.var_dir / "files"


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    S3Storage(BUCKET, endpoint_url=endpoint, access_key="test", secret_key="test")._client.create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


async def _upload(
    client,
    headers,
    compound_id,
    record_id,
    content: bytes,
    name: str = "客厅 照片.png",
    declared: str = "image/png",
    record_type: str = "tenants.room",
):
    return await client.post(
        f"/api/v1/compounds/{compound_id}/attachments",
        files={"file": (name, content, declared)},
        data={"record_type": record_type, "record_id": str(record_id)},
        headers=headers,
    )


async def _stored(db) -> int:
    async with db.session(Scope.everything("test inspection")) as session:
        return int(await session.scalar(select(func.count()).select_from(Attachment)))


def _blobs(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --------------------------------------------------------------------------- the happy path


async def test_upload_list_and_download_a_photo_of_a_room(client, as_user, city, files_dir):
    a1, room = city.compounds["A1"], city.rooms["A1"][0]
    headers = await as_user("ent-a-admin")
    content = png()
    created = await _upload(client, headers, a1, room, content, name="../../etc/客厅 照片.png")
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["content_type"], body["filename"], body["size"], body["record_type"]) == (
        "image/png",
        "客厅 照片.png",
        len(content),
        "tenants.room",
    )
    [blob] = _blobs(files_dir)
    assert blob.relative_to(files_dir).parts == (str(a1), body["id"]) and blob.read_bytes() == content

    listed = (
        await client.get(
            f"/api/v1/compounds/{a1}/attachments", params={"record_type": "tenants.room", "record_id": str(room)}, headers=headers
        )
    ).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == body["id"]
    assert (
        await client.get(f"/api/v1/compounds/{a1}/attachments", params={"record_id": str(city.rooms["A1"][1])}, headers=headers)
    ).json()["total"] == 0

    download = await client.get(f"/api/v1/compounds/{a1}/attachments/{body['id']}", headers=headers)
    assert download.status_code == 200 and download.content == content
    assert download.headers["content-type"] == "image/png"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert (
        download.headers["content-disposition"]
        == "attachment; filename=\"__ __.png\"; filename*=UTF-8''%E5%AE%A2%E5%8E%85%20%E7%85%A7%E7%89%87.png"
    )


async def test_office_documents_are_recognised_whatever_their_name(client, as_user, city, db):
    a1 = city.compounds["A1"]
    headers = await as_user("ent-a-admin")
    not_a_unit = await _upload(
        client, headers, a1, city.rooms["A1"][0], docx(), name="整改通知", declared="application/octet-stream", record_type="tenants.unit"
    )
    assert not_a_unit.status_code == 404  # a room id is not a unit: the record must exist in the compound
    async with db.session(Scope.everything("test inspection")) as session:
        unit_id = await session.scalar(select(Unit.id).join(Room, Room.unit_id == Unit.id).where(Room.id == city.rooms["A1"][0]))
    word = await _upload(
        client, headers, a1, unit_id, docx(), name="整改通知", declared="application/octet-stream", record_type="tenants.unit"
    )
    assert word.status_code == 201 and (word.json()["content_type"], word.json()["filename"]) == (DOCX, "整改通知.docx")
    sheet = await _upload(
        client, headers, a1, unit_id, xlsx(), name="住户.xls", declared="application/vnd.ms-excel", record_type="tenants.unit"
    )
    assert sheet.status_code == 201 and (sheet.json()["content_type"], sheet.json()["filename"]) == (XLSX, "住户.xlsx")


# --------------------------------------------------------------------------- who may see it


async def test_another_tenants_user_gets_404_everywhere(client, as_user, city):
    a1, room = city.compounds["A1"], city.rooms["A1"][0]
    created = (await _upload(client, await as_user("ent-a-admin"), a1, room, png())).json()
    other = await as_user("ent-b-admin")
    assert (await client.get(f"/api/v1/compounds/{a1}/attachments/{created['id']}", headers=other)).status_code == 404
    assert (await client.get(f"/api/v1/compounds/{a1}/attachments", headers=other)).status_code == 404
    assert (await _upload(client, other, a1, room, png())).status_code == 404
    # even through its own compound's path the row stays invisible (data scope, and RLS on PostgreSQL)
    b1 = city.compounds["B1"]
    assert (await client.get(f"/api/v1/compounds/{b1}/attachments/{created['id']}", headers=other)).status_code == 404


async def test_a_resident_without_housing_rights_cannot_list_read_or_upload(client, as_user, city):
    a1, room = city.compounds["A1"], city.rooms["A1"][0]
    created = (await _upload(client, await as_user("ent-a-admin"), a1, room, png())).json()
    resident = await as_user("resident-a1")
    listing = await client.get(f"/api/v1/compounds/{a1}/attachments", params={"record_type": "tenants.room"}, headers=resident)
    assert listing.status_code == 403 and listing.json()["permission"] == {"object": "tenants.housing", "action": "read"}
    assert (await client.get(f"/api/v1/compounds/{a1}/attachments", headers=resident)).json()["total"] == 0
    assert (await client.get(f"/api/v1/compounds/{a1}/attachments/{created['id']}", headers=resident)).status_code == 404
    assert (await _upload(client, resident, a1, room, png())).status_code == 403


async def test_an_unknown_record_type_or_record_is_refused(client, as_user, city, db):
    a1 = city.compounds["A1"]
    headers = await as_user("ent-a-admin")
    unknown = await _upload(client, headers, a1, uuid.uuid4(), png(), record_type="tenants.spaceship")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "record_type"
    missing = await _upload(client, headers, a1, uuid.uuid4(), png())
    assert missing.status_code == 404
    elsewhere = await _upload(client, headers, a1, city.rooms["A2"][0], png())  # a room, but of another compound
    assert elsewhere.status_code == 404
    assert await _stored(db) == 0


# --------------------------------------------------------------------------- impostors and size


async def test_a_pdf_named_png_and_declared_as_an_image_is_refused(client, as_user, city, db, files_dir):
    response = await _upload(
        client,
        await as_user("ent-a-admin"),
        city.compounds["A1"],
        city.rooms["A1"][0],
        b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n",
        name="invoice.png",
        declared="image/png",
    )
    assert response.status_code == 415 and response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert (
        problem["type"].endswith("/unsupported-media-type")
        and problem["sniffed"] == "application/pdf"
        and "application/pdf" in problem["detail"]
    )
    assert await _stored(db) == 0 and _blobs(files_dir) == []


async def test_gif_magic_in_front_of_text_claiming_jpeg_is_refused(client, as_user, city, db):
    response = await _upload(
        client,
        await as_user("ent-a-admin"),
        city.compounds["A1"],
        city.rooms["A1"][0],
        b"GIF89a<script>alert(1)</script>",
        name="photo.jpg",
        declared="image/jpeg",
    )
    assert response.status_code == 415 and response.json()["sniffed"] == "image/gif" and "image/gif" in response.json()["detail"]
    plain = await _upload(
        client,
        await as_user("ent-a-admin"),
        city.compounds["A1"],
        city.rooms["A1"][0],
        b"just some text",
        name="notes.txt",
        declared="text/plain",
    )
    assert plain.status_code == 415 and plain.json()["sniffed"] is None
    assert await _stored(db) == 0


@pytest.mark.parametrize("settings", [{"max_upload_bytes": 2048}], indirect=True)
async def test_a_file_over_the_limit_gets_413_and_nothing_is_stored(client, as_user, city, db, files_dir):
    headers = await as_user("ent-a-admin")
    big = png(extra=4096)
    response = await _upload(client, headers, city.compounds["A1"], city.rooms["A1"][0], big)
    assert response.status_code == 413 and response.json()["type"].endswith("/too-large") and response.json()["max_bytes"] == 2048
    assert await _stored(db) == 0 and _blobs(files_dir) == []
    assert (await _upload(client, headers, city.compounds["A1"], city.rooms["A1"][0], png())).status_code == 201


# --------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (png(), "image/png"),
        (b"GIF87a\x01\x00\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"%PDF-1.4", "application/pdf"),
        (docx(), DOCX),
        (xlsx(), XLSX),
        (b"PK\x03\x04 not really a zip", None),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"", None),
    ],
)
def test_sniffing(data, expected):
    assert sniff(data) == expected


def test_a_zip_without_an_office_manifest_is_not_a_document():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    assert sniff(buf.getvalue()) is None


def test_file_names_are_sanitised_and_match_the_content():
    assert safe_filename("C:\\Users\\张三\\Desktop\\照片.JPG", "image/jpeg") == "照片.JPG"
    assert safe_filename("../../etc/passwd", "application/pdf") == "passwd.pdf"
    assert safe_filename("report.png", "application/pdf") == "report.pdf"
    assert safe_filename('a<b>:"c|?*\x00.pdf', "application/pdf") == "a_b_c_.pdf"
    assert safe_filename(None, "image/png") == "file.png"
    assert safe_filename("...", "image/png") == "file.png"


def test_record_types_cannot_change_their_permission_object():
    assert register_record_type("tenants.room", "tenants.housing", Room).obj == "tenants.housing"  # registering twice alike is harmless
    with pytest.raises(ValueError, match="tenants.housing"):
        register_record_type("tenants.room", "tenants.compound")


# --------------------------------------------------------------------------- storage


async def test_local_storage_round_trip_and_refuses_keys_leaving_its_root(tmp_path):
    store = LocalStorage(tmp_path / "files")
    await store.put("c/a", b"bytes", "image/png")
    assert await store.get("c/a") == b"bytes"
    await store.delete("c/a")
    await store.delete("c/a")
    with pytest.raises(FileNotFoundError):
        await store.get("c/a")
    for key in ("../escape", "/abs", "a/../../b", "a/.hidden", ""):
        with pytest.raises(ValueError):
            await store.put(key, b"x", "image/png")


async def test_s3_storage_round_trip_against_moto(s3_endpoint):
    store = make_storage(
        load_settings(
            {
                "REDPROP_STORAGE_URL": f"s3://{BUCKET}/tenant-files",
                "REDPROP_S3_ENDPOINT": s3_endpoint,
                "REDPROP_S3_ACCESS_KEY": "test",
                "REDPROP_S3_SECRET_KEY": "test",
            }
        )
    )
    assert isinstance(store, S3Storage) and store.prefix == "tenant-files"
    content = png()
    await store.put("c1/a1", content, "image/png")
    assert await store.get("c1/a1") == content
    head = store._client.head_object(Bucket=BUCKET, Key="tenant-files/c1/a1")
    assert head["ContentType"] == "image/png" and head["ContentLength"] == len(content)
    await store.delete("c1/a1")
    with pytest.raises(FileNotFoundError):
        await store.get("c1/a1")


@pytest.mark.parametrize("settings", [S3_SETTINGS], indirect=True)
async def test_uploads_go_to_s3_when_configured(client, as_user, city, files_dir):
    headers = await as_user("ent-a-admin")
    a1 = city.compounds["A1"]
    created = (await _upload(client, headers, a1, city.rooms["A1"][0], png())).json()
    assert _blobs(files_dir) == []
    store = client.app.state.storage
    assert store._client.head_object(Bucket=BUCKET, Key=f"{a1}/{created['id']}")["ContentLength"] == created["size"]
    assert (await client.get(f"/api/v1/compounds/{a1}/attachments/{created['id']}", headers=headers)).content == png()


def test_storage_defaults_to_the_var_directory(tmp_path):
    local = make_storage(load_settings({"REDPROP_VAR_DIR": str(tmp_path)}))
    assert isinstance(local, LocalStorage) and local.root == tmp_path / "files"
    assert make_storage(load_settings({"REDPROP_STORAGE_URL": "file:///srv/redprop/files"})).root.as_posix() == "/srv/redprop/files"
    with pytest.raises(SettingsError, match="REDPROP_STORAGE_URL"):
        make_storage(load_settings({"REDPROP_STORAGE_URL": "ftp://example.com/files"}))


async def test_a_body_beyond_the_route_limit_is_cut_off_with_a_problem(client, as_user, city, db):
    from core.files.api import MULTIPART_OVERHEAD
    from core.files.services import max_upload_bytes

    oversized = png(extra=max_upload_bytes() + MULTIPART_OVERHEAD)  # the route's limit is the process's, fixed at import
    response = await _upload(client, await as_user("ent-a-admin"), city.compounds["A1"], city.rooms["A1"][0], oversized)
    assert response.status_code == 413 and response.json()["type"].endswith("/too-large")
    assert await _stored(db) == 0


async def test_a_disabled_modules_attachments_are_refused(client, as_user, city):
    """Records of a gated module share its switch: off for the compound, their files are too."""
    from core.files.services import RECORD_TYPES, register_record_type
    from tenants.models import Room

    register_record_type("party_building.test_room", "tenants.housing", Room, "party_building")
    try:
        h = await as_user("ent-a-admin")
        on, off = city.compounds["A1"], city.compounds["A3"]  # standard plan (module on), basic plan (off)
        ok = await _upload(client, h, on, city.rooms["A1"][0], png(), record_type="party_building.test_room")
        assert ok.status_code == 201, ok.text
        refused = await _upload(client, h, off, city.rooms["A3"][0], png(), record_type="party_building.test_room")
        assert refused.status_code == 403 and refused.json()["module"] == "party_building"
        listed = await client.get(f"/api/v1/compounds/{off}/attachments", params={"record_type": "party_building.test_room"}, headers=h)
        assert listed.status_code == 403
    finally:
        RECORD_TYPES.pop("party_building.test_room", None)
