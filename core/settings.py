"""Typed settings, read once from the ``REDPROP_*`` environment variables into one :class:`Settings`.

Nothing else in redprop reads the process environment: code takes a ``Settings``
(passed in, or :func:`get_settings` where none is in reach), and a test fails on
a ``REDPROP_*`` name that is not a field here or missing from the README's table.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

DEMO_SECRET = "redprop-demo-secret-not-for-production"
PREFIX = "REDPROP_"
SMTP_TLS_MODES = ("starttls", "ssl", "off")


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable about a redprop process, grouped by concern.

    Each field is read from one variable: ``REDPROP_`` and the field's name in
    capitals (``smtp_host`` from ``REDPROP_SMTP_HOST``).
    """

    # ------------------------------------------------------------------ deployment
    env: str = "demo"
    """REDPROP_ENV: ``production``, ``demo`` or ``test``. Secrets have defaults only in demo and test."""
    var_dir: Path = Path("var")
    """REDPROP_VAR_DIR: where the embedded database and local attachments live."""
    disabled_plugins: tuple[str, ...] = ()
    """REDPROP_DISABLED_PLUGINS: comma-separated plugin names not to load."""
    extra_plugins: tuple[str, ...] = ()
    """REDPROP_EXTRA_PLUGINS: comma-separated module paths loaded as plugins (development, tests)."""
    default_timezone: str = "Asia/Shanghai"
    """REDPROP_DEFAULT_TIMEZONE: tenants' time zone unless they set their own."""

    # ------------------------------------------------------------------ database
    database_url: str = ""
    """REDPROP_DATABASE_URL: the application's connection (on PostgreSQL a non-owner role); SQLite under the var directory by default."""
    migrate_database_url: str = ""
    """REDPROP_MIGRATE_DATABASE_URL: the owner connection used by migrations; defaults to the app URL."""
    app_db_role: str = "redprop_app"
    """REDPROP_APP_DB_ROLE: the PostgreSQL role the application runs as (granted by migrations)."""
    cross_scope_database_url: str = ""
    """REDPROP_CROSS_SCOPE_DATABASE_URL: the connection of cross-scope work (jobs, operator commands; on PostgreSQL the ``redprop_worker`` role); defaults to the app URL."""
    db_pool_size: int = 10
    """REDPROP_DB_POOL_SIZE: connections a process keeps open to the database as the application's role."""
    db_max_overflow: int = 20
    """REDPROP_DB_MAX_OVERFLOW: extra connections a process may open in a burst; size × processes + overflow stays under max_connections."""
    db_pool_timeout_seconds: int = 30
    """REDPROP_DB_POOL_TIMEOUT_SECONDS: how long a request waits for a free connection before it fails."""
    db_statement_timeout_ms: int = 60_000
    """REDPROP_DB_STATEMENT_TIMEOUT_MS: PostgreSQL cancels a statement of the application's role running longer (0: never)."""
    db_cross_pool_size: int = 5
    """REDPROP_DB_CROSS_POOL_SIZE: connections a process keeps open as the cross-scope role (jobs, sign-in, operators)."""
    db_cross_max_overflow: int = 15
    """REDPROP_DB_CROSS_MAX_OVERFLOW: the cross-scope pool's burst."""
    db_cross_statement_timeout_ms: int = 600_000
    """REDPROP_DB_CROSS_STATEMENT_TIMEOUT_MS: the statement timeout of cross-scope work (batch jobs: longer; 0: never)."""
    shutdown_grace_seconds: int = 30
    """REDPROP_SHUTDOWN_GRACE_SECONDS: on SIGTERM, how long ``serve`` lets requests and ``worker`` lets jobs finish before stopping."""

    # ------------------------------------------------------------------ security
    secret_key: str = DEMO_SECRET
    """REDPROP_SECRET_KEY: signs tokens and derives the blind-index key."""
    data_key: bytes = field(default=b"", repr=False)
    """REDPROP_DATA_KEY: base64 of 32 bytes; encrypts ID-card and phone numbers at rest."""
    token_ttl_seconds: int = 12 * 3600
    """REDPROP_TOKEN_TTL_SECONDS: lifetime of an API bearer token."""
    password_hash_profile: str = "default"
    """REDPROP_PASSWORD_HASH_PROFILE: ``default`` (RFC 9106 low-memory) or ``fast`` (tests only)."""
    policy_poll_seconds: float = 0.5
    """REDPROP_POLICY_POLL_SECONDS: how often a process looks for policy changes made elsewhere."""
    policy_reconcile_seconds: int = 60
    """REDPROP_POLICY_RECONCILE_SECONDS: how often a process rebuilds its enforcer from every rule (catches any change a poll missed)."""
    hsts: bool = False
    """REDPROP_HSTS: every client reaches the app through TLS (a proxy terminates it): send Strict-Transport-Security always."""
    trusted_proxies: tuple[str, ...] = ()
    """REDPROP_TRUSTED_PROXIES: comma-separated addresses of the TLS proxies whose X-Forwarded-Proto is believed (HSTS when it says https)."""
    access_log: bool = True
    """REDPROP_ACCESS_LOG: ``redprop serve`` and ``redprop demo`` log each request (method, path without query, status;
    never the client's address or query string); default off in production, on elsewhere."""

    # ------------------------------------------------------------------ broker and jobs
    broker_url: str = "stub://"
    """REDPROP_BROKER_URL: ``redis://…``, ``amqp://…`` or ``stub://`` (in-process worker)."""
    broker_namespace: str = "redprop"
    """REDPROP_BROKER_NAMESPACE: Redis key prefix; keeps deployments sharing one Redis apart."""
    broker_heartbeat_ms: int = 15_000
    """REDPROP_BROKER_HEARTBEAT_MS: after this long without a heartbeat a dead worker's unacknowledged messages return to the queue (Redis)."""
    broker_maintenance_chance: int = 1000
    """REDPROP_BROKER_MAINTENANCE_CHANCE: one message in this many also runs the Redis broker's clean-up of dead workers."""
    worker_threads: int = 4
    """REDPROP_WORKER_THREADS: dramatiq worker threads per process."""
    embedded_worker: bool = True
    """REDPROP_EMBEDDED_WORKER: with the stub broker, run the worker, dispatcher and scheduler inside the app."""
    job_max_retries: int = 8
    """REDPROP_JOB_MAX_RETRIES: retries (exponential back-off) before a message becomes a dead letter."""
    job_max_backoff_ms: int = 10 * 60 * 1000
    """REDPROP_JOB_MAX_BACKOFF_MS: the longest wait between two retries of a job."""
    event_sweep_seconds: int = 300
    """REDPROP_EVENT_SWEEP_SECONDS: an event dispatched this long ago that some reaction still lacks is dispatched again."""
    retention_days: int = 30
    """REDPROP_RETENTION_DAYS: handled events, schedule ticks and policy changes older than this are trimmed nightly."""

    # ------------------------------------------------------------------ attachments
    storage_url: str = ""
    """REDPROP_STORAGE_URL: ``file:///path`` or ``s3://bucket[/prefix]``; unset, ``<var dir>/files`` on local disk."""
    s3_endpoint: str | None = None
    """REDPROP_S3_ENDPOINT: the S3-compatible service (MinIO, Ceph, OSS…); unset, AWS."""
    s3_access_key: str | None = None
    """REDPROP_S3_ACCESS_KEY: unset, boto3's usual credential chain."""
    s3_secret_key: str | None = field(default=None, repr=False)
    """REDPROP_S3_SECRET_KEY: unset, boto3's usual credential chain."""
    s3_region: str = "us-east-1"
    """REDPROP_S3_REGION: the bucket's region."""
    max_upload_bytes: int = 10 * 1024 * 1024
    """REDPROP_MAX_UPLOAD_BYTES: the largest attachment accepted."""

    # ------------------------------------------------------------------ notifications
    smtp_host: str = "localhost"
    """REDPROP_SMTP_HOST: the SMTP server email is handed to."""
    smtp_port: int = 25
    """REDPROP_SMTP_PORT: its port."""
    smtp_from: str = "redprop@localhost"
    """REDPROP_SMTP_FROM: the sender address."""
    smtp_user: str | None = None
    """REDPROP_SMTP_USER: log in as this user; unset, no login."""
    smtp_password: str | None = field(default=None, repr=False)
    """REDPROP_SMTP_PASSWORD: the SMTP user's password."""
    smtp_tls: str = "off"
    """REDPROP_SMTP_TLS: ``starttls``, ``ssl`` (implicit TLS) or ``off``; by default ``ssl`` on port 465, ``starttls`` on 587."""

    # ------------------------------------------------------------------ MQTT (smart_property telemetry)
    mqtt_url: str = "mqtt://127.0.0.1:1883"
    """REDPROP_MQTT_URL: the MQTT broker devices publish telemetry to (``mqtt://host:port``)."""
    mqtt_enabled: bool = True
    """REDPROP_MQTT_ENABLED: the embedded app (stub broker, ``make demo``) runs the MQTT subscriber too; ``redprop worker --mqtt`` runs it regardless."""

    # ------------------------------------------------------------------ working-day calendar
    holidays_file: Path | None = None
    """REDPROP_HOLIDAYS_FILE: a JSON file of later years' (or corrected) holiday notices (core/calendar.py)."""

    @property
    def is_production(self) -> bool:
        return self.env == "production"


def declared_variables() -> frozenset[str]:
    """The name of every environment variable redprop reads: one per :class:`Settings` field."""
    return frozenset(PREFIX + f.name.upper() for f in fields(Settings))


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings in ``environ`` (the process environment by default); refuse missing secrets in production.

    Only the mapping is read, and nothing is written: tests pass their own.
    """
    source = os.environ if environ is None else environ

    def text(name: str, default: str = "") -> str:
        return source.get(PREFIX + name) or default

    def number(name: str, default: int) -> int:
        raw = text(name)
        try:
            return int(raw) if raw else default
        except ValueError:
            raise SettingsError(f"{PREFIX}{name} must be a whole number, not {raw!r}") from None

    def names(name: str) -> tuple[str, ...]:
        return tuple(p.strip() for p in text(name).split(",") if p.strip())

    env = text("ENV", "demo")
    if env not in {"production", "demo", "test"}:
        raise SettingsError(f"REDPROP_ENV must be production, demo or test, not {env!r}")
    var_dir = Path(text("VAR_DIR", "var"))
    database_url = text("DATABASE_URL") or f"sqlite+aiosqlite:///{(var_dir / 'redprop.db').as_posix()}"
    secret_key = text("SECRET_KEY")
    raw_data_key = text("DATA_KEY")
    if env == "production" and not secret_key:
        raise SettingsError("REDPROP_SECRET_KEY must be set in production")
    if env == "production" and not raw_data_key:
        raise SettingsError("REDPROP_DATA_KEY must be set in production")
    cross_scope_url = text("CROSS_SCOPE_DATABASE_URL")
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
    try:
        policy_poll_seconds = float(text("POLICY_POLL_SECONDS", "0.5"))
    except ValueError:
        raise SettingsError("REDPROP_POLICY_POLL_SECONDS must be a number of seconds") from None
    smtp_port = number("SMTP_PORT", 25)
    smtp_tls = text("SMTP_TLS", {465: "ssl", 587: "starttls"}.get(smtp_port, "off")).lower()
    if smtp_tls not in SMTP_TLS_MODES:
        raise SettingsError(f"REDPROP_SMTP_TLS must be one of {', '.join(SMTP_TLS_MODES)}")
    holidays_file = text("HOLIDAYS_FILE")
    return Settings(
        env=env,
        var_dir=var_dir,
        disabled_plugins=names("DISABLED_PLUGINS"),
        extra_plugins=names("EXTRA_PLUGINS"),
        default_timezone=text("DEFAULT_TIMEZONE", "Asia/Shanghai"),
        database_url=database_url,
        migrate_database_url=text("MIGRATE_DATABASE_URL") or database_url,
        app_db_role=text("APP_DB_ROLE", "redprop_app"),
        cross_scope_database_url=cross_scope_url or database_url,
        db_pool_size=number("DB_POOL_SIZE", 10),
        db_max_overflow=number("DB_MAX_OVERFLOW", 20),
        db_pool_timeout_seconds=number("DB_POOL_TIMEOUT_SECONDS", 30),
        db_statement_timeout_ms=number("DB_STATEMENT_TIMEOUT_MS", 60_000),
        db_cross_pool_size=number("DB_CROSS_POOL_SIZE", 5),
        db_cross_max_overflow=number("DB_CROSS_MAX_OVERFLOW", 15),
        db_cross_statement_timeout_ms=number("DB_CROSS_STATEMENT_TIMEOUT_MS", 600_000),
        shutdown_grace_seconds=number("SHUTDOWN_GRACE_SECONDS", 30),
        secret_key=secret_key,
        data_key=data_key,
        token_ttl_seconds=number("TOKEN_TTL_SECONDS", 12 * 3600),
        password_hash_profile=text("PASSWORD_HASH_PROFILE", "default"),
        policy_poll_seconds=policy_poll_seconds,
        policy_reconcile_seconds=number("POLICY_RECONCILE_SECONDS", 60),
        hsts=text("HSTS", "0").lower() not in {"0", "false", "no"},
        trusted_proxies=names("TRUSTED_PROXIES"),
        access_log=text("ACCESS_LOG", "0" if env == "production" else "1").lower() not in {"0", "false", "no", "off"},
        broker_url=text("BROKER_URL", "stub://"),
        broker_namespace=text("BROKER_NAMESPACE", "redprop"),
        broker_heartbeat_ms=number("BROKER_HEARTBEAT_MS", 15_000),
        broker_maintenance_chance=number("BROKER_MAINTENANCE_CHANCE", 1000),
        worker_threads=number("WORKER_THREADS", 4),
        embedded_worker=text("EMBEDDED_WORKER", "1").lower() not in {"0", "false", "no"},
        job_max_retries=number("JOB_MAX_RETRIES", 8),
        job_max_backoff_ms=number("JOB_MAX_BACKOFF_MS", 10 * 60 * 1000),
        event_sweep_seconds=number("EVENT_SWEEP_SECONDS", 300),
        retention_days=number("RETENTION_DAYS", 30),
        storage_url=text("STORAGE_URL"),
        s3_endpoint=text("S3_ENDPOINT") or None,
        s3_access_key=text("S3_ACCESS_KEY") or None,
        s3_secret_key=text("S3_SECRET_KEY") or None,
        s3_region=text("S3_REGION", "us-east-1"),
        max_upload_bytes=number("MAX_UPLOAD_BYTES", 10 * 1024 * 1024),
        smtp_host=text("SMTP_HOST", "localhost"),
        smtp_port=smtp_port,
        smtp_from=text("SMTP_FROM", "redprop@localhost"),
        smtp_user=text("SMTP_USER") or None,
        smtp_password=text("SMTP_PASSWORD") or None,
        smtp_tls=smtp_tls,
        holidays_file=Path(holidays_file) if holidays_file else None,
        mqtt_url=text("MQTT_URL", "mqtt://127.0.0.1:1883"),
        mqtt_enabled=text("MQTT_ENABLED", "1").lower() not in {"0", "false", "no"},
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
