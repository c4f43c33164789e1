"""The outbox: every email is persisted first, then sent; failures are retried by later runs.

Layout under `warehouse/_state/`:

    outbox/<id>.eml      the message as it will be sent
    outbox/<id>.json     {"id", "subject", "kind", "created_at", "attempts", "next_attempt_at", "last_error"}
    outbox/failed/       messages that could not be delivered within `email.outbox_expire_days`
    outbox.lock          flock held while flushing, so two processes never send the same message
    outbox_sent.jsonl    one line per delivered message (id, subject, sent_at, accepted recipients)

A message is removed from the outbox right after the server accepted it, under the lock,
so it is sent once. When the server is down the reason is logged, the message stays, and
the next attempt waits `retry_base_s * 2**(attempts-1)` (capped at `retry_max_s`), so a dead
server costs a run at most one short connection timeout per backoff period.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aemo_wh.config import Settings
from aemo_wh.errors import ConfigError
from aemo_wh.log import get_logger
from aemo_wh.mail import smtp
from aemo_wh.mail.compose import to_bytes
from aemo_wh.mail.state import file_lock, read_json, state_dir, write_bytes_atomic, write_json_atomic

logger = get_logger(__name__)


@dataclass
class FlushSummary:
    """What one flush did."""

    sent: list[str] = field(default_factory=list)  # message ids
    failed: list[str] = field(default_factory=list)  # attempted, still queued
    waiting: list[str] = field(default_factory=list)  # not due yet (backoff)
    expired: list[str] = field(default_factory=list)  # moved to outbox/failed/
    error: str = ""  # the reason of the last failure (reply code + hint)
    busy: bool = False  # another process was flushing


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def outbox_dir(settings: Settings) -> Path:
    d = state_dir(settings) / "outbox"
    d.mkdir(parents=True, exist_ok=True)
    return d


def backoff_s(settings: Settings, attempts: int) -> float:
    """Seconds to wait after `attempts` failed attempts."""
    e = settings.email
    return float(min(e.retry_base_s * 2 ** max(attempts - 1, 0), e.retry_max_s))


def enqueue(settings: Settings, msg: EmailMessage, kind: str, now: dt.datetime | None = None) -> str:
    """Persist a message in the outbox (due at once) and return its id."""
    now = now or _utcnow()
    msg_id = f"{now:%Y%m%dT%H%M%S}-{kind}-{uuid.uuid4().hex[:8]}"
    d = outbox_dir(settings)
    write_bytes_atomic(d / f"{msg_id}.eml", to_bytes(msg))
    meta = {
        "id": msg_id, "subject": str(msg["Subject"]), "kind": kind, "created_at": now.isoformat(),
        "attempts": 0, "next_attempt_at": now.isoformat(), "last_error": "",
    }
    write_json_atomic(d / f"{msg_id}.json", meta)  # the .json makes it visible to flush
    logger.info("queued email %s: %s", msg_id, meta["subject"])
    return msg_id


def pending(settings: Settings) -> list[dict[str, Any]]:
    """Metadata of every queued message, oldest first."""
    d = outbox_dir(settings)
    out = []
    for p in sorted(d.glob("*.json")):
        meta = read_json(p, None)
        if meta and (d / f"{meta['id']}.eml").is_file():
            out.append(meta)
    return out


def _load(settings: Settings, msg_id: str) -> bytes:
    return (outbox_dir(settings) / f"{msg_id}.eml").read_bytes()


def _record_failure(settings: Settings, meta: dict[str, Any], reason: str, now: dt.datetime) -> None:
    meta["attempts"] = int(meta["attempts"]) + 1
    meta["last_error"] = reason
    meta["next_attempt_at"] = (now + dt.timedelta(seconds=backoff_s(settings, meta["attempts"]))).isoformat()
    write_json_atomic(outbox_dir(settings) / f"{meta['id']}.json", meta)


def _remove_sent(settings: Settings, meta: dict[str, Any], accepted: list[str], now: dt.datetime) -> None:
    d = outbox_dir(settings)
    (d / f"{meta['id']}.json").unlink()  # first: once gone, no later flush can see the message
    (d / f"{meta['id']}.eml").unlink(missing_ok=True)
    line = json.dumps({"id": meta["id"], "subject": meta["subject"], "sent_at": now.isoformat(),
                       "accepted": accepted, "attempts": meta["attempts"] + 1})
    with (state_dir(settings) / "outbox_sent.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    logger.info("sent email %s (%s) to %s", meta["id"], meta["subject"], ", ".join(accepted))


def _expire(settings: Settings, meta: dict[str, Any], now: dt.datetime) -> bool:
    age = now - dt.datetime.fromisoformat(meta["created_at"])
    if age.total_seconds() < settings.email.outbox_expire_days * 86400:
        return False
    d = outbox_dir(settings)
    failed = d / "failed"
    failed.mkdir(exist_ok=True)
    os.replace(d / f"{meta['id']}.eml", failed / f"{meta['id']}.eml")
    os.replace(d / f"{meta['id']}.json", failed / f"{meta['id']}.json")
    logger.error("gave up on email %s (%s) after %d attempts over %s; last error: %s; kept in %s",
                 meta["id"], meta["subject"], meta["attempts"], age, meta["last_error"], failed)
    return True


def flush_outbox(settings: Settings, now: dt.datetime | None = None, force: bool = False) -> FlushSummary:
    """Send every due message over one connection. Never raises for delivery problems.

    `force` ignores the backoff (used by `email test` and `report send`, which a user runs
    by hand and wants to see the outcome of now).
    """
    now = now or _utcnow()
    summary = FlushSummary()
    with file_lock(state_dir(settings) / "outbox.lock", blocking=False) as got:
        if not got:
            summary.busy = True
            logger.info("outbox is being flushed by another process; skipping")
            return summary
        queued = pending(settings)
        # While the server is in backoff after a failure, new messages wait too: a dead server
        # costs one connection attempt per backoff period, however many alerts come in.
        blocked_until = max((dt.datetime.fromisoformat(m["next_attempt_at"]) for m in queued if m["attempts"]),
                            default=now)
        due = []
        for meta in queued:
            not_before = max(dt.datetime.fromisoformat(meta["next_attempt_at"]), blocked_until)
            if not force and not_before > now:
                summary.waiting.append(meta["id"])
            else:
                due.append(meta)
        if not due:
            return summary
        try:
            smtp.validate_email_settings(settings.email)
            conn = smtp.connect(settings.email)
        except (smtp.SmtpError, ConfigError) as exc:
            reason = f"{exc.msg} (hint: {exc.hint})" if exc.hint else exc.msg
            summary.error = reason
            logger.warning("could not deliver %d queued email(s): %s", len(due), reason)
            for meta in due:
                _record_failure(settings, meta, reason, now)
                if _expire(settings, meta, now):
                    summary.expired.append(meta["id"])
                else:
                    summary.failed.append(meta["id"])
            return summary
        try:
            for meta in due:
                try:
                    result = smtp.send_on(conn, settings.email, _load(settings, meta["id"]))
                except smtp.SmtpError as exc:
                    reason = f"{exc.msg} (hint: {exc.hint})"
                    summary.error = reason
                    logger.warning("email %s (%s) not delivered: %s", meta["id"], meta["subject"], reason)
                    _record_failure(settings, meta, reason, now)
                    if _expire(settings, meta, now):
                        summary.expired.append(meta["id"])
                    else:
                        summary.failed.append(meta["id"])
                    continue
                _remove_sent(settings, meta, result.accepted, now)
                summary.sent.append(meta["id"])
        finally:
            smtp.close(conn)
    return summary


def send_now(settings: Settings, msg: EmailMessage, kind: str) -> tuple[str, FlushSummary]:
    """Queue a message and try to deliver the outbox at once (ignoring backoff)."""
    msg_id = enqueue(settings, msg, kind)
    return msg_id, flush_outbox(settings, force=True)
