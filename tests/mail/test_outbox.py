"""The outbox: a message survives a dead server and is delivered exactly once when it is back."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time

import pytest

from aemo_wh.mail import compose, outbox

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def _msg(settings, subject="queued"):
    return compose.build_message(settings.email, subject, "body text", html="<p>body</p>")


def test_server_down_then_up_delivers_once(settings, smtp_server, caplog):
    srv = smtp_server("starttls", start=False)  # port chosen, server not running
    s = settings.with_overrides(email=srv.email_settings())
    t0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    msg_id = outbox.enqueue(s, _msg(s, "Price alert SA1"), "price", now=t0)

    with caplog.at_level(logging.WARNING, logger="aemo_wh"):
        first = outbox.flush_outbox(s, now=t0)
    assert first.failed == [msg_id] and first.sent == []
    assert "connection refused" in first.error
    assert any("connection refused" in r.getMessage() for r in caplog.records)
    (meta,) = outbox.pending(s)
    assert meta["attempts"] == 1 and "connection refused" in meta["last_error"]
    assert dt.datetime.fromisoformat(meta["next_attempt_at"]) == t0 + dt.timedelta(seconds=60)

    srv.start()
    # still inside the backoff: not attempted, so a run is not slowed down
    early = outbox.flush_outbox(s, now=t0 + dt.timedelta(seconds=30))
    assert early.waiting == [msg_id] and early.sent == []
    assert srv.received == []

    later = outbox.flush_outbox(s, now=t0 + dt.timedelta(seconds=61))
    assert later.sent == [msg_id]
    again = outbox.flush_outbox(s, now=t0 + dt.timedelta(hours=1))
    assert again.sent == [] and outbox.pending(s) == []
    assert [r.message["Subject"] for r in srv.received] == ["Price alert SA1"]
    sent_log = (s.warehouse_dir / "_state" / "outbox_sent.jsonl").read_text().splitlines()
    assert json.loads(sent_log[0])["id"] == msg_id and json.loads(sent_log[0])["attempts"] == 2


def test_backoff_doubles_and_caps(settings):
    assert [outbox.backoff_s(settings, n) for n in (1, 2, 3, 4, 10)] == [60, 120, 240, 480, 3600]


def test_concurrent_flushes_send_each_message_once(settings, smtp_server):
    srv = smtp_server("plain")
    s = settings.with_overrides(email=srv.email_settings())
    ids = [outbox.enqueue(s, _msg(s, f"m{i}"), "test") for i in range(5)]
    results = []
    threads = [threading.Thread(target=lambda: results.append(outbox.flush_outbox(s))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = sorted(i for r in results for i in r.sent)
    assert sent == sorted(ids)
    assert sorted(r.message["Subject"] for r in srv.received) == [f"m{i}" for i in range(5)]


def test_silent_server_costs_one_short_timeout_then_nothing(settings, silent_port):
    s = settings.with_overrides(email={
        "smtp_host": "127.0.0.1", "smtp_port": silent_port, "security": "none", "timeout_s": 0.5,
        "sender": "a@example.com", "recipients": ["b@example.com"]})
    for i in range(3):
        outbox.enqueue(s, _msg(s, f"m{i}"), "test")
    t0 = time.monotonic()
    first = outbox.flush_outbox(s)
    assert time.monotonic() - t0 < 3  # one connection attempt for the whole outbox
    assert len(first.failed) == 3 and "timed out" in first.error
    outbox.enqueue(s, _msg(s, "new alert"), "test")  # arrives while the server is in backoff
    t1 = time.monotonic()
    second = outbox.flush_outbox(s)
    assert time.monotonic() - t1 < 0.4 and len(second.waiting) == 4 and second.failed == []


def test_undeliverable_message_expires_to_failed_folder(settings, unused_port, caplog):
    s = settings.with_overrides(email={
        "smtp_host": "127.0.0.1", "smtp_port": unused_port, "security": "none",
        "sender": "a@example.com", "recipients": ["b@example.com"], "outbox_expire_days": 1.0})
    t0 = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    msg_id = outbox.enqueue(s, _msg(s), "test", now=t0)
    with caplog.at_level(logging.ERROR, logger="aemo_wh"):
        summary = outbox.flush_outbox(s, now=t0 + dt.timedelta(days=2))
    assert summary.expired == [msg_id]
    assert outbox.pending(s) == []
    assert (outbox.outbox_dir(s) / "failed" / f"{msg_id}.eml").is_file()
    assert any("gave up" in r.getMessage() for r in caplog.records)


def test_missing_settings_keep_the_message(settings):
    msg_id = outbox.enqueue(settings, compose.build_message(settings.email, "x", "y"), "test")
    summary = outbox.flush_outbox(settings)
    assert summary.failed == [msg_id]
    assert "email.smtp_host" in summary.error
    assert [m["id"] for m in outbox.pending(settings)] == [msg_id]
