"""`aemo-wh email test` as a user runs it: a real process, a real server, the steps on stdout."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def test_email_test_prints_each_step_and_delivers(smtp_server, run_cli, smtp_password, tmp_path):
    srv = smtp_server("starttls")
    res = run_cli(["email", "test"], email=srv.email_settings())
    assert res.returncode == 0, res.stdout + res.stderr
    for step in ("connect", "ehlo", "starttls", "auth", "send"):
        assert f"ok  {step}" in res.stdout
    assert "Test message sent" in res.stdout
    (got,) = srv.received
    assert got.message["Subject"] == "aemo-wh test message"
    assert got.rcpt_tos == ["desk@example.com", "ops@example.com"]
    assert smtp_password not in res.stdout + res.stderr


def test_email_test_rejected_auth_prints_code_and_hint(smtp_server, run_cli, smtp_password, tmp_path):
    srv = smtp_server("starttls", good_password="the-right-one")
    res = run_cli(["email", "test"], email=srv.email_settings())
    assert res.returncode == 2
    out = res.stdout + res.stderr
    assert "ok  starttls" in res.stdout
    assert "FAILED at auth: reply code 535" in res.stdout
    assert "error: SMTP auth failed: reply code 535" in res.stderr
    assert "hint: The server rejected the login" in res.stderr and "app-specific password" in res.stderr
    assert smtp_password not in out
    log = (tmp_path / "logs" / "aemo_wh.log").read_text()
    assert "535" in log and smtp_password not in log
    assert srv.received == []


def test_email_test_missing_settings_name_them(run_cli):
    res = run_cli(["email", "test"], email={"smtp_host": "smtp.mail.me.com", "smtp_username": "me@icloud.com"})
    assert res.returncode == 2
    assert "AEMO_WH_EMAIL_SMTP_PASSWORD" in res.stderr
    assert "email.sender" in res.stderr and "email.recipients" in res.stderr


def test_email_outbox_lists_and_flushes(settings, smtp_server, run_cli, tmp_path):
    from aemo_wh.mail import compose, outbox

    srv = smtp_server("plain", start=False)
    s = settings.with_overrides(email=srv.email_settings(), paths={"warehouse": tmp_path / "warehouse"})
    msg_id = outbox.enqueue(s, compose.build_message(s.email, "Queued alert", "body"), "test")
    outbox.flush_outbox(s)  # server down: attempt 1 fails
    listed = run_cli(["email", "outbox"], email=srv.email_settings())
    assert listed.returncode == 0, listed.stderr
    assert msg_id in listed.stdout and "attempts=1" in listed.stdout and "connection refused" in listed.stdout
    srv.start()
    flushed = run_cli(["email", "outbox", "--flush"], email=srv.email_settings())
    assert flushed.returncode == 0, flushed.stdout + flushed.stderr
    assert "sent 1" in flushed.stdout and "outbox is empty" in flushed.stdout
    assert [r.message["Subject"] for r in srv.received] == ["Queued alert"]


def test_a_refused_connect_is_not_reported_ok_first(run_cli, unused_port):
    """Issue 19: "ok connect" stood right before "FAILED at connect"; a step says ok only once it succeeded."""
    res = run_cli(["email", "test"], email={"smtp_host": "127.0.0.1", "smtp_port": unused_port, "security": "none",
                                            "sender": "a@example.com", "recipients": ["b@example.com"]})  # fmt: skip
    assert res.returncode == 2
    assert "FAILED at connect" in res.stdout
    assert "ok  connect" not in res.stdout


def test_dotless_local_addresses_are_accepted_and_delivered(smtp_server, run_cli):
    """`user@localhost` is what a local relay is usually given (RFC 5321 allows a one-label domain)."""
    from aemo_wh.mail.settings import is_address

    assert is_address("user@localhost") and is_address("ops <ops@[127.0.0.1]>") and is_address("a@b.example")
    assert not any(is_address(a) for a in ("user", "user@", "@localhost", "a b@localhost", "a@-x", "a@b..c"))
    srv = smtp_server("plain")
    res = run_cli(["email", "test"], email=srv.email_settings(sender="aemo@localhost", recipients=["analyst@localhost"]))
    assert res.returncode == 0, res.stdout + res.stderr
    (got,) = srv.received
    assert got.rcpt_tos == ["analyst@localhost"]
