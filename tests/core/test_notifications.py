"""Notifications: inbox rows and deliveries written with the change, sent by the job through channels.

Email goes to an SMTP server the test starts on 127.0.0.1 (aiosmtpd).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import logging
import socket
import types
import uuid

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from core import clock
from core.app import load_plugins
from core.db import Scope
from core.notifications.channels import EmailChannel, LoggingChannel, SmtpConfig, collect_channels, mask_address, mask_email
from core.notifications.models import Delivery, Notification, NotificationPreference
from core.notifications.services import MAX_ATTEMPTS, deliver_pending, notify, retry_delay
from core.plugins import HOOK_API_VERSION, hookimpl
from core.settings import SettingsError, load_settings

EMAIL = "zhang.jianguo@example.com"
SUBJECT = "报修已受理：3号楼2单元漏水"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping what it receives."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp_server():
    # the test's own mail server logs every envelope address at INFO: that is this fixture talking, not redprop,
    # and the session's log scan rightly refuses addresses in any record
    mail_log = logging.getLogger("mail.log")
    level = mail_log.level
    mail_log.setLevel(logging.WARNING)
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()
    mail_log.setLevel(level)


class Recording:
    """A channel that remembers what it sent, optionally slowly or by failing."""

    def __init__(self, name: str = "sms", *, fail: bool = False, delay: float = 0.0) -> None:
        self.name, self.fail, self.delay = name, fail, delay
        self.sent: list[tuple[str, str]] = []

    async def send(self, address: str, title: str, body: str) -> None:
        await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError(f"provider rejected recipient {address}")
        self.sent.append((address, title))


async def _prefer(db, user_id: uuid.UUID, channel: str, address: str, enabled: bool = True) -> None:
    async with db.transaction(Scope.nothing()) as session:
        session.add(NotificationPreference(user_id=user_id, channel=channel, address=address, enabled=enabled))


async def _notify(db, user_ids, channels=("inbox", "email"), title: str = SUBJECT) -> list[uuid.UUID]:
    async with db.transaction(Scope.nothing()) as session:
        items = await notify(
            session,
            user_ids,
            "co_building.work_order.accepted",
            title,
            "师傅将于今天下午上门。",
            link="/console/work-orders/1",
            channels=channels,
        )
        return [n.id for n in items]


async def _deliveries(db) -> list[Delivery]:
    async with db.session(Scope.nothing()) as session:
        return list((await session.scalars(select(Delivery).order_by(Delivery.created_at, Delivery.id))).all())


# --------------------------------------------------------------------------- writing


async def test_notify_writes_the_inbox_and_pending_deliveries_but_sends_nothing(db, city):
    resident = city.users["resident-a1"]
    await _prefer(db, resident, "email", EMAIL)
    await _prefer(db, resident, "sms", "13800000001", enabled=False)
    ids = await _notify(db, [resident, resident, city.users["ent-a-admin"]], channels=("inbox", "email", "sms"))
    assert len(ids) == 2  # one per user, duplicates folded
    [delivery] = await _deliveries(db)
    assert (delivery.channel, delivery.address, delivery.status, delivery.attempts) == ("email", EMAIL, "pending", 0)
    async with db.session(Scope.nothing()) as session:
        item = await session.get(Notification, delivery.notification_id)
    assert item.user_id == resident and item.read_at is None and item.title == SUBJECT


async def test_notify_in_a_transaction_that_fails_leaves_nothing(db, city):
    with pytest.raises(RuntimeError):
        async with db.transaction(Scope.nothing()) as session:
            await notify(session, [city.users["resident-a1"]], "x", "t", "b")
            raise RuntimeError("the change itself failed")
    async with db.session(Scope.nothing()) as session:
        assert (await session.scalars(select(Notification).where(Notification.kind == "x"))).all() == []


# --------------------------------------------------------------------------- sending


async def test_deliver_pending_sends_email_with_a_chinese_subject(db, city, smtp_server):
    controller, received = smtp_server
    resident = city.users["resident-a1"]
    await _prefer(db, resident, "email", EMAIL)
    await _notify(db, [resident])
    channels = {"email": EmailChannel(SmtpConfig(host="127.0.0.1", port=controller.port, sender="noreply@redprop.example"))}
    assert await deliver_pending(db, channels) == 1
    [envelope] = received.envelopes
    assert envelope.rcpt_tos == [EMAIL] and envelope.mail_from == "noreply@redprop.example"
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert message["Subject"] == SUBJECT
    assert "师傅将于今天下午上门" in message.get_content()
    [delivery] = await _deliveries(db)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, None) and delivery.sent_at is not None
    assert await deliver_pending(db, channels) == 0 and len(received.envelopes) == 1


async def test_a_failing_delivery_counts_attempts_backs_off_and_gives_up(db, city, caplog):
    caplog.set_level(logging.WARNING, logger="redprop.notifications")
    resident = city.users["resident-a1"]
    await _prefer(db, resident, "email", EMAIL)
    await _notify(db, [resident])
    channels = {"email": EmailChannel(SmtpConfig(host="127.0.0.1", port=free_port(), timeout=5))}  # nobody listens there
    with clock.frozen_at(clock.now()):
        for attempt in range(1, MAX_ATTEMPTS + 1):
            assert await deliver_pending(db, channels) == 0
            [delivery] = await _deliveries(db)
            assert delivery.attempts == attempt and "ConnectionRefusedError" in delivery.last_error
            if attempt < MAX_ATTEMPTS:
                assert delivery.status == "pending" and delivery.next_attempt_at == clock.now() + retry_delay(attempt)
                assert await deliver_pending(db, channels) == 0 and (await _deliveries(db))[0].attempts == attempt  # not due yet
                clock.advance(retry_delay(attempt))
        assert delivery.status == "failed"
        clock.advance(dt.timedelta(days=1))
        assert await deliver_pending(db, channels) == 0 and (await _deliveries(db))[0].attempts == MAX_ATTEMPTS
    assert "giving up" in caplog.text and EMAIL not in caplog.text and "z***@example.com" in caplog.text


async def test_provider_errors_quoting_the_address_are_masked_and_unknown_channels_fail(db, city, caplog):
    caplog.set_level(logging.INFO, logger="redprop.notifications")
    resident = city.users["resident-a1"]
    await _prefer(db, resident, "sms", "13800000001")
    await _prefer(db, resident, "wechat", "oWx1234567890")
    await _notify(db, [resident], channels=("sms", "wechat"))
    assert await deliver_pending(db, {"sms": Recording(fail=True)}) == 0
    by_channel = {d.channel: d for d in await _deliveries(db)}
    assert by_channel["sms"].last_error == "RuntimeError: provider rejected recipient 138****0001"
    assert "no channel named 'wechat'" in by_channel["wechat"].last_error and by_channel["wechat"].attempts == 1
    assert "13800000001" not in caplog.text and "oWx1234567890" not in caplog.text


async def test_the_logging_channel_logs_only_a_masked_address(caplog):
    caplog.set_level(logging.INFO, logger="redprop.notifications")
    await LoggingChannel("sms").send("13912345678", "您的快递已到", "请到门岗领取")
    assert "139****5678" in caplog.text and "13912345678" not in caplog.text and "快递" not in caplog.text


async def test_two_workers_never_send_the_same_delivery(db, database_urls, city):
    if database_urls["backend"] != "postgresql":
        pytest.skip("concurrent workers need row locks (FOR UPDATE SKIP LOCKED): PostgreSQL only")
    users = [city.users[u] for u in ("resident-a1", "ent-a-admin", "ent-b-admin", "district-1-admin")]
    for i, user in enumerate(users):
        await _prefer(db, user, "sms", f"1390000000{i}")
    await _notify(db, users, channels=("sms",))
    channel = Recording(delay=0.2)
    counts = await asyncio.gather(deliver_pending(db, {"sms": channel}), deliver_pending(db, {"sms": channel}))
    assert sum(counts) == 4 and min(counts) >= 1
    assert sorted(a for a, _ in channel.sent) == [f"1390000000{i}" for i in range(4)]


# --------------------------------------------------------------------------- channels


def test_smtp_settings_come_from_the_environment():
    def smtp(environ: dict[str, str]) -> SmtpConfig:
        return SmtpConfig.from_settings(load_settings(environ))

    cfg = smtp(
        {
            "REDPROP_SMTP_HOST": "smtp.example.com",
            "REDPROP_SMTP_PORT": "465",
            "REDPROP_SMTP_FROM": "a@example.com",
            "REDPROP_SMTP_USER": "a",
            "REDPROP_SMTP_PASSWORD": "s3cret",
        }
    )
    assert (cfg.host, cfg.port, cfg.sender, cfg.user, cfg.tls) == ("smtp.example.com", 465, "a@example.com", "a", "ssl")
    assert "s3cret" not in repr(cfg) and "s3cret" not in repr(load_settings({"REDPROP_SMTP_PASSWORD": "s3cret"}))
    assert smtp({"REDPROP_SMTP_PORT": "587"}).tls == "starttls"
    assert smtp({}).tls == "off"
    with pytest.raises(SettingsError, match="REDPROP_SMTP_TLS"):
        smtp({"REDPROP_SMTP_TLS": "maybe"})
    with pytest.raises(SettingsError, match="REDPROP_SMTP_PORT"):
        smtp({"REDPROP_SMTP_PORT": "smtp"})


def test_a_title_with_a_newline_cannot_inject_headers():
    msg = EmailChannel(SmtpConfig()).message(EMAIL, "标题\r\nBcc: victim@example.com", "正文")
    assert msg["Bcc"] is None and msg["Subject"] == "标题 Bcc: victim@example.com"


def test_masks():
    assert mask_email("zhangsan@example.com") == "z***@example.com"
    assert mask_address("13812345678") == "138****5678"
    assert mask_address("oWx1234567890") == "oWx***"


def test_plugins_add_and_replace_channels():
    module = types.ModuleType("test_plugin_sms_vendor")
    vendor_sms = Recording("sms")
    module.redprop_plugin_info = hookimpl(lambda: {"name": "sms_vendor", "version": "1", "hook_api": HOOK_API_VERSION, "module": False})
    module.redprop_notification_channels = hookimpl(
        lambda: [vendor_sms, Recording("pigeon"), types.SimpleNamespace(name="broken"), Recording("inbox")]
    )
    host = load_plugins(load_settings())
    host.add(module)
    channels = collect_channels(host, load_settings({}))
    assert channels["sms"] is vendor_sms and isinstance(channels["email"], EmailChannel) and isinstance(channels["wechat"], LoggingChannel)
    assert "pigeon" in channels and "broken" not in channels and "inbox" not in channels


# --------------------------------------------------------------------------- HTTP


async def test_inbox_lists_and_marks_read_over_http(client, as_user, db, city):
    resident = city.users["resident-a1"]
    headers = await as_user("resident-a1")
    await client.post("/api/v1/inbox/read-all", headers=headers)  # the demo's own (a vote opened, bills), read
    before = (await client.get("/api/v1/inbox", headers=headers)).json()["total"]
    ids = await _notify(db, [resident], channels=("inbox",))
    await _notify(db, [resident], channels=("inbox",), title="业主大会投票将于周五截止")
    page = (await client.get("/api/v1/inbox", headers=headers)).json()
    assert page["total"] == before + 2 and page["items"][0]["title"] == "业主大会投票将于周五截止"  # newest first
    read = await client.post(f"/api/v1/inbox/{ids[0]}/read", headers=headers)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    unread = (await client.get("/api/v1/inbox", params={"unread_only": "true"}, headers=headers)).json()
    assert unread["total"] == 1 and unread["items"][0]["id"] != str(ids[0])
    marked = await client.post("/api/v1/inbox/read-all", headers=headers)
    assert marked.json() == {"marked": 1}
    assert (await client.get("/api/v1/inbox", params={"unread_only": "true"}, headers=headers)).json()["total"] == 0


async def test_a_user_cannot_read_or_mark_anothers_notification(client, as_user, db, city):
    [mine] = await _notify(db, [city.users["resident-a1"]], channels=("inbox",))
    other = await as_user("ent-b-admin")  # the demo's notifications go to enterprise A's people
    response = await client.post(f"/api/v1/inbox/{mine}/read", headers=other)
    assert response.status_code == 404 and response.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/api/v1/inbox", headers=other)).json()["total"] == 0
    assert (await client.post("/api/v1/inbox/read-all", headers=other)).json() == {"marked": 0}
    async with db.session(Scope.nothing()) as session:
        assert (await session.get(Notification, mine)).read_at is None
    assert (await client.get("/api/v1/inbox")).status_code == 401


async def test_notification_preferences_over_http(client, as_user, db, city):
    headers = await as_user("resident-a1")
    empty = (await client.get("/api/v1/notification-preferences", headers=headers)).json()
    assert empty["items"] == [] and {"email", "sms", "wechat"} <= set(empty["channels"]) and "inbox" not in empty["channels"]
    bad = await client.put(
        "/api/v1/notification-preferences", headers=headers, json={"items": [{"channel": "email", "address": "not-an-email"}]}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "items[0].address"
    unknown = await client.put("/api/v1/notification-preferences", headers=headers, json={"items": [{"channel": "fax", "address": "123"}]})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "items[0].channel"
    both = {"items": [{"channel": "email", "address": EMAIL}, {"channel": "sms", "address": "13800000001", "enabled": False}]}
    saved = await client.put("/api/v1/notification-preferences", headers=headers, json=both)
    assert saved.status_code == 200 and [(p["channel"], p["enabled"]) for p in saved.json()["items"]] == [("email", True), ("sms", False)]
    only_sms = await client.put(
        "/api/v1/notification-preferences", headers=headers, json={"items": [{"channel": "sms", "address": "13800000001"}]}
    )
    assert [p["channel"] for p in only_sms.json()["items"]] == ["sms"]
    # the stored preference drives the next notification's deliveries
    await _notify(db, [city.users["resident-a1"]], channels=("email", "sms"))
    assert [(d.channel, d.address) for d in await _deliveries(db)] == [("sms", "13800000001")]
