"""Delivery channels: email over SMTP ships in the core; SMS and WeChat are hook points.

A channel is anything with a ``name`` and ``async send(address, title, body)``
that raises when the message was not accepted. The core provides ``email``
(SMTP, configured by the ``smtp_*`` settings) and logging stand-ins for ``sms`` and
``wechat`` so the demo shows deliveries without a provider; a plugin replaces
any of them through ``redprop_notification_channels``.

Addresses are personal data: they appear in logs only masked.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol, runtime_checkable

from core.plugins.manager import PluginHost
from core.security import mask_phone
from core.settings import Settings

log = logging.getLogger("redprop.notifications")

INBOX = "inbox"
"""Not a channel: the in-app inbox row every notification gets."""


@runtime_checkable
class Channel(Protocol):
    """What the delivery job needs of a channel."""

    name: str

    async def send(self, address: str, title: str, body: str) -> None:
        """Hand the message over; raise when it was not accepted (the job retries with back-off)."""


# --------------------------------------------------------------------------- masking


def mask_email(address: str) -> str:
    """``zhangsan@example.com`` → ``z***@example.com``: the length of the name is not revealed."""
    name, at, domain = address.partition("@")
    if not at:
        return "***"
    return f"{name[:1]}***@{domain}"


def mask_address(address: str) -> str:
    """Any channel's address, fit for a log line."""
    if "@" in address:
        return mask_email(address)
    if address.isdigit():
        return mask_phone(address) or ""
    return address[:3] + "***"


# --------------------------------------------------------------------------- email


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to hand email over."""

    host: str = "localhost"
    port: int = 25
    sender: str = "redprop@localhost"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: str = "off"
    """``starttls`` (port 587), ``ssl`` (implicit TLS, port 465) or ``off`` (a local relay)."""
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        """The ``smtp_*`` settings (checked when they were read)."""
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            user=settings.smtp_user,
            password=settings.smtp_password,
            tls=settings.smtp_tls,
        )


class EmailChannel:
    """Plain-text UTF-8 email through one SMTP server; the blocking client runs on a worker thread."""

    name = "email"

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def message(self, address: str, title: str, body: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.config.sender
        msg["To"] = address
        # a header may not span lines: a newline in a title must not become a header injection
        msg["Subject"] = " ".join(title.split())
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=self.config.sender.rpartition("@")[2] or "localhost")
        msg.set_content(body, charset="utf-8")
        return msg

    async def send(self, address: str, title: str, body: str) -> None:
        await asyncio.to_thread(self._send, self.message(address, title, body))

    def _send(self, msg: EmailMessage) -> None:
        cfg = self.config
        context = ssl.create_default_context()
        if cfg.tls == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=context)
        else:
            client = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        with client:
            if cfg.tls == "starttls":
                client.starttls(context=context)
            if cfg.user:
                client.login(cfg.user, cfg.password or "")
            client.send_message(msg)


# --------------------------------------------------------------------------- stand-ins


class LoggingChannel:
    """Logs that a message would have gone out (masked address, no content): the demo's SMS and WeChat."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def send(self, address: str, title: str, body: str) -> None:
        log.info(
            "%s message to %s logged, not sent (no %s provider installed; %d characters)",
            self.name,
            mask_address(address),
            self.name,
            len(title) + len(body),
        )


# --------------------------------------------------------------------------- registry


def core_channels(settings: Settings) -> dict[str, Channel]:
    return {"email": EmailChannel(SmtpConfig.from_settings(settings)), "sms": LoggingChannel("sms"), "wechat": LoggingChannel("wechat")}


def collect_channels(host: PluginHost, settings: Settings) -> dict[str, Channel]:
    """The core's channels, replaced or extended by those plugins declare; malformed ones are logged and skipped."""
    channels = core_channels(settings)
    provider = {name: "core" for name in channels}
    for rec, item in host.declared("redprop_notification_channels"):
        name = getattr(item, "name", None)
        if not isinstance(name, str) or not name or name == INBOX or not isinstance(item, Channel):
            log.error("plugin %s declared a notification channel without a usable name and send(): %r", rec.name, item)
            continue
        if name in provider:
            log.info("channel %s of plugin %s replaces the one of %s", name, rec.name, provider[name])
        channels[name] = item
        provider[name] = rec.name
    return channels


__all__ = [
    "Channel",
    "EmailChannel",
    "LoggingChannel",
    "SmtpConfig",
    "collect_channels",
    "core_channels",
    "mask_address",
    "mask_email",
    "INBOX",
]
