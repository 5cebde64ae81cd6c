"""Liveness and readiness probes, and the plugin listing."""

from __future__ import annotations

import asyncio
from urllib.parse import urlparse

from litestar import Controller, Response, get
from litestar.datastructures import State
from sqlalchemy import text

from core.authz.guard import requires
from core.schemas import Output


class PluginOut(Output):
    name: str
    version: str
    module: bool
    label_zh: str
    label_en: str
    hooks: list[str]


class PluginsOut(Output):
    loaded: list[PluginOut]
    refused: dict[str, str]


async def check_broker(url: str) -> str:
    """``ok`` or why the broker is unreachable (stub brokers are always ready)."""
    parsed = urlparse(url)
    if parsed.scheme in {"", "stub"}:
        return "ok"
    port = parsed.port or {"redis": 6379, "rediss": 6379, "amqp": 5672, "amqps": 5671}.get(parsed.scheme, 0)
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(parsed.hostname or "127.0.0.1", port), timeout=2)
        if parsed.scheme.startswith("redis"):
            writer.write(b"PING\r\n")
            await writer.drain()
            line = await asyncio.wait_for(reader.readline(), timeout=2)
            if not line.startswith((b"+PONG", b"-NOAUTH")):
                return f"unexpected answer {line[:40]!r}"
        writer.close()
        await writer.wait_closed()
        return "ok"
    except (TimeoutError, OSError) as exc:
        return f"unreachable: {exc.__class__.__name__}"


class HealthController(Controller):
    tags = ["operations"]

    @get("/healthz", operation_id="healthz", opt={"public": True})
    async def healthz(self) -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @get("/readyz", operation_id="readyz", opt={"public": True})
    async def readyz(self, state: State) -> Response[dict[str, str]]:
        """The database and the broker answer."""
        checks: dict[str, str] = {}
        try:
            async with state.db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unreachable: {exc.__class__.__name__}"
        checks["broker"] = await check_broker(state.settings.broker_url)
        ok = all(v == "ok" for v in checks.values())
        return Response({"status": "ok" if ok else "unavailable", **checks}, status_code=200 if ok else 503)

    @get("/api/v1/plugins", operation_id="listPlugins", guards=[requires("core.plugin", "read")])
    async def plugins(self, state: State) -> PluginsOut:
        """Installed plugins with their versions and hooks, and those refused with the reason."""
        host = state.plugins
        loaded = [
            PluginOut(
                name=r.name,
                version=r.version,
                module=r.is_module,
                label_zh=r.info.get("label_zh", r.name),
                label_en=r.info.get("label_en", r.name),
                hooks=r.hooks,
            )
            for r in host.plugins.values()
        ]
        return PluginsOut(loaded=loaded, refused=dict(host.refused))
