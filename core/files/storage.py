"""Where attachment bytes live: local disk in the embedded mode, an S3-compatible store in production.

Keys are made by the service (``<compound id>/<attachment id>``), never from a
client's file name; a storage still refuses any key that could leave its root.
``Settings.storage_url`` (``REDPROP_STORAGE_URL``) chooses the store:

- unset: ``<var dir>/files`` on local disk;
- ``file:///srv/redprop/files``: another local directory;
- ``s3://bucket`` or ``s3://bucket/prefix``: S3 or a compatible store (MinIO, Ceph, OSS…),
  reached with the ``s3_*`` settings (credentials fall back to boto3's usual chain when unset).
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from core.settings import Settings, SettingsError

_KEY = re.compile(r"^[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*$")


def _checked(key: str) -> str:
    # no dots at all: neither "..", nor a hidden file, nor an extension chosen by a client
    if not _KEY.match(key):
        raise ValueError(f"invalid storage key {key!r}")
    return key


class Storage(Protocol):
    """A flat store of blobs by key."""

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key`` (replacing what was there)."""

    async def get(self, key: str) -> bytes:
        """The bytes under ``key``; :class:`FileNotFoundError` when there are none."""

    async def delete(self, key: str) -> None:
        """Remove ``key``; removing a missing key is not an error."""


class LocalStorage:
    """Files under one root directory; each write lands whole or not at all (temporary file + rename)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*_checked(key).split("/"))

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._put, self._path(key), data)

    @staticmethod
    def _put(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)


class S3Storage:
    """One bucket (and optional prefix) of an S3-compatible store; boto3's blocking calls run on worker threads."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str = "us-east-1",
    ) -> None:
        import boto3  # only deployments that use S3 pay for importing it
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        # path-style addressing: compatible stores (MinIO and the like) rarely serve bucket sub-domains
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 3, "mode": "standard"}),
        )

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{_checked(key)}" if self.prefix else _checked(key)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._client.put_object, Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._get, self._key(key))

    def _get(self, key: str) -> bytes:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=key)
        except self._client.exceptions.NoSuchKey:
            raise FileNotFoundError(key) from None
        with response["Body"] as body:
            return body.read()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._client.delete_object, Bucket=self.bucket, Key=self._key(key))


def make_storage(settings: Settings) -> Storage:
    """The store ``settings.storage_url`` names (local disk under the var directory by default)."""
    url = settings.storage_url
    if not url:
        return LocalStorage(settings.var_dir / "files")
    parts = urlsplit(url)
    if parts.scheme == "file" and parts.path:
        return LocalStorage(Path(parts.path))
    if parts.scheme == "s3" and parts.netloc:
        return S3Storage(
            parts.netloc,
            prefix=parts.path,
            endpoint_url=settings.s3_endpoint,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            region=settings.s3_region,
        )
    raise SettingsError("REDPROP_STORAGE_URL must be file:///path or s3://bucket[/prefix]")


__all__ = ["Storage", "LocalStorage", "S3Storage", "make_storage"]
