"""Typed settings read once from ``REDPROP_*`` environment variables."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DEMO_SECRET = "redprop-demo-secret-not-for-production"


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"REDPROP_{name}", default)


@dataclass(frozen=True)
class Settings:
    """Everything configurable about a redprop process."""

    env: str = "demo"
    """REDPROP_ENV: ``production``, ``demo`` or ``test``. Secrets have defaults only in demo and test."""
    var_dir: Path = Path("var")
    """REDPROP_VAR_DIR: where the embedded database and local attachments live."""
    database_url: str = ""
    """REDPROP_DATABASE_URL: the application's connection (on PostgreSQL a non-owner role)."""
    migrate_database_url: str = ""
    """REDPROP_MIGRATE_DATABASE_URL: the owner connection used by migrations; defaults to the app URL."""
    cross_scope_database_url: str = ""
    """REDPROP_CROSS_SCOPE_DATABASE_URL: the connection of cross-scope work (jobs, operator commands; on PostgreSQL the ``redprop_worker`` role); defaults to the app URL."""
    app_db_role: str = "redprop_app"
    """REDPROP_APP_DB_ROLE: the PostgreSQL role the application runs as (granted by migrations)."""
    broker_url: str = "stub://"
    """REDPROP_BROKER_URL: ``redis://…``, ``amqp://…`` or ``stub://`` (in-process worker)."""
    secret_key: str = DEMO_SECRET
    """REDPROP_SECRET_KEY: signs tokens and derives the blind-index key."""
    data_key: bytes = field(default=b"", repr=False)
    """REDPROP_DATA_KEY: base64 of 32 bytes; encrypts ID-card numbers at rest."""
    token_ttl_seconds: int = 12 * 3600
    """REDPROP_TOKEN_TTL_SECONDS: lifetime of an API bearer token."""
    password_hash_profile: str = "default"
    """REDPROP_PASSWORD_HASH_PROFILE: ``default`` (RFC 9106 low-memory) or ``fast`` (tests only)."""
    default_timezone: str = "Asia/Shanghai"
    """REDPROP_DEFAULT_TIMEZONE: tenants' time zone unless they set their own."""
    policy_poll_seconds: float = 0.5
    """REDPROP_POLICY_POLL_SECONDS: how often a process looks for policy changes made elsewhere."""
    disabled_plugins: tuple[str, ...] = ()
    """REDPROP_DISABLED_PLUGINS: comma-separated plugin names not to load."""
    extra_plugins: tuple[str, ...] = ()
    """REDPROP_EXTRA_PLUGINS: comma-separated module paths loaded as plugins (development, tests)."""
    worker_threads: int = 4
    """REDPROP_WORKER_THREADS: dramatiq worker threads per process."""
    embedded_worker: bool = True
    """REDPROP_EMBEDDED_WORKER: with the stub broker, run the worker, dispatcher and scheduler inside the app."""
    job_max_retries: int = 8
    """REDPROP_JOB_MAX_RETRIES: retries (exponential back-off) before a message becomes a dead letter."""

    @property
    def is_production(self) -> bool:
        return self.env == "production"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read the settings from the environment; refuse missing secrets in production."""
    if environ is not None:
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(environ)
    try:
        env = _env("ENV", "demo") or "demo"
        if env not in {"production", "demo", "test"}:
            raise SettingsError(f"REDPROP_ENV must be production, demo or test, not {env!r}")
        var_dir = Path(_env("VAR_DIR", "var") or "var")
        database_url = _env("DATABASE_URL") or f"sqlite+aiosqlite:///{(var_dir / 'redprop.db').as_posix()}"
        secret_key = _env("SECRET_KEY")
        raw_data_key = _env("DATA_KEY")
        if env == "production" and not secret_key:
            raise SettingsError("REDPROP_SECRET_KEY must be set in production")
        if env == "production" and not raw_data_key:
            raise SettingsError("REDPROP_DATA_KEY must be set in production")
        cross_scope_url = _env("CROSS_SCOPE_DATABASE_URL")
        if env == "production" and not cross_scope_url and database_url.startswith("postgresql"):
            raise SettingsError("REDPROP_CROSS_SCOPE_DATABASE_URL must be set in production on PostgreSQL (the redprop_worker role)")
        secret_key = secret_key or DEMO_SECRET
        if raw_data_key:
            try:
                data_key = base64.b64decode(raw_data_key, validate=True)
            except ValueError as exc:
                raise SettingsError("REDPROP_DATA_KEY must be base64") from exc
            if len(data_key) != 32:
                raise SettingsError("REDPROP_DATA_KEY must decode to 32 bytes")
        else:
            data_key = hashlib.sha256(b"data-key:" + secret_key.encode()).digest()
        disabled = tuple(p.strip() for p in (_env("DISABLED_PLUGINS", "") or "").split(",") if p.strip())
        return Settings(
            env=env,
            var_dir=var_dir,
            database_url=database_url,
            migrate_database_url=_env("MIGRATE_DATABASE_URL") or database_url,
            cross_scope_database_url=cross_scope_url or database_url,
            app_db_role=_env("APP_DB_ROLE", "redprop_app") or "redprop_app",
            broker_url=_env("BROKER_URL", "stub://") or "stub://",
            secret_key=secret_key,
            data_key=data_key,
            token_ttl_seconds=int(_env("TOKEN_TTL_SECONDS", str(12 * 3600)) or 43200),
            password_hash_profile=_env("PASSWORD_HASH_PROFILE", "default") or "default",
            default_timezone=_env("DEFAULT_TIMEZONE", "Asia/Shanghai") or "Asia/Shanghai",
            policy_poll_seconds=float(_env("POLICY_POLL_SECONDS", "0.5") or 0.5),
            disabled_plugins=disabled,
            extra_plugins=tuple(p.strip() for p in (_env("EXTRA_PLUGINS", "") or "").split(",") if p.strip()),
            worker_threads=int(_env("WORKER_THREADS", "4") or 4),
            job_max_retries=int(_env("JOB_MAX_RETRIES", "8") or 8),
            embedded_worker=(_env("EMBEDDED_WORKER", "1") or "1").lower() not in {"0", "false", "no"},
        )
    finally:
        if environ is not None:
            os.environ.clear()
            os.environ.update(saved)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
