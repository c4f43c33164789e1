"""SMTP delivery against real aiosmtpd servers: plain, STARTTLS + AUTH, implicit SSL, and each failure's hint."""

from __future__ import annotations

import base64

import pytest

from aemo_wh.errors import ConfigError
from aemo_wh.mail import compose, smtp
from aemo_wh.mail.settings import validate_email_settings

# aiosmtpd warns that AUTH over implicit SSL is "AUTH without TLS" (it only counts STARTTLS)
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

# a real 1x1 PNG
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _message(email, subject="hello"):
    cid = compose.new_cid("chart", email.sender)
    html = f'<html><body><p>Hi <b>there</b></p><img src="cid:{cid}" alt="chart"></body></html>'
    img = compose.InlineImage(cid=cid, png=PNG, filename="chart.png")
    return compose.build_message(email, subject, "Hi there", html=html, images=[img]), cid


def test_plain_delivery_carries_text_html_and_inline_image(settings, smtp_server):
    srv = smtp_server("plain")
    email = settings.with_overrides(email=srv.email_settings()).email
    msg, cid = _message(email, "Plain test")
    steps = []
    result = smtp.deliver(email, msg, on_step=lambda s, d: steps.append(s))

    assert result.accepted == ["desk@example.com", "ops@example.com"]
    assert [s for s in steps] == ["connect", "ehlo", "send"]
    (got,) = srv.received
    assert got.mail_from == "analyst@example.com"
    assert got.rcpt_tos == ["desk@example.com", "ops@example.com"]
    m = got.message
    assert m["Subject"] == "Plain test"
    assert m["From"] == "NEM Analysis <analyst@example.com>"
    assert m["To"] == "desk@example.com, ops@example.com"
    assert m["Message-ID"] and m["Date"]
    assert m.get_content_type() == "multipart/alternative"
    assert m.get_body(("plain",)).get_content().strip() == "Hi there"
    html = m.get_body(("html",)).get_content()
    assert f"cid:{cid}" in html
    images = [p for p in m.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1
    assert images[0]["Content-ID"] == f"<{cid}>"
    assert images[0].get_content_disposition() == "inline"
    assert images[0].get_content() == PNG


def test_starttls_with_auth(settings, smtp_server):
    srv = smtp_server("starttls")
    email = settings.with_overrides(email=srv.email_settings()).email
    steps = []
    smtp.deliver(email, _message(email)[0], on_step=lambda s, d: steps.append((s, d)))
    assert [s for s, _ in steps] == ["connect", "ehlo", "starttls", "auth", "send"]
    assert "TLSv1." in dict(steps)["starttls"]
    (got,) = srv.received
    assert got.tls and got.authenticated
    assert got.message["Subject"] == "hello"


def test_implicit_ssl_with_auth(settings, smtp_server):
    srv = smtp_server("ssl")
    email = settings.with_overrides(email=srv.email_settings()).email
    smtp.deliver(email, _message(email)[0])
    (got,) = srv.received
    assert got.tls and got.authenticated
    assert got.rcpt_tos == ["desk@example.com", "ops@example.com"]


def test_auth_rejected_gives_535_and_app_password_hint(settings, smtp_server):
    srv = smtp_server("starttls", good_password="another")
    email = settings.with_overrides(email=srv.email_settings()).email
    with pytest.raises(smtp.SmtpError) as err:
        smtp.deliver(email, _message(email)[0])
    assert err.value.step == "auth"
    assert err.value.code == 535
    assert "app-specific password" in err.value.hint
    assert srv.received == []


def test_sender_not_allowed(settings, smtp_server):
    srv = smtp_server("starttls", allowed_senders={"someone-else@example.com"})
    email = settings.with_overrides(email=srv.email_settings()).email
    with pytest.raises(smtp.SmtpError) as err:
        smtp.deliver(email, _message(email)[0])
    assert err.value.code == 553
    assert "sender" in err.value.hint.lower() and "analyst@example.com" in err.value.hint


def test_ssl_mode_against_starttls_port_names_the_fix(settings, smtp_server):
    srv = smtp_server("starttls")
    email = settings.with_overrides(email=srv.email_settings(security="ssl")).email
    with pytest.raises(smtp.SmtpError) as err:
        smtp.deliver(email, _message(email)[0])
    assert err.value.step == "connect"
    assert 'security = "starttls"' in err.value.hint


def test_starttls_mode_against_implicit_ssl_port_times_out_with_hint(settings, smtp_server):
    srv = smtp_server("ssl")
    email = settings.with_overrides(email=srv.email_settings(security="starttls", timeout_s=1.0)).email
    with pytest.raises(smtp.SmtpError) as err:
        smtp.deliver(email, _message(email)[0])
    assert err.value.reply == "timed out"
    assert 'security = "ssl"' in err.value.hint


def test_untrusted_certificate_is_a_certificate_problem(settings, smtp_server):
    srv = smtp_server("starttls")
    email = settings.with_overrides(email=srv.email_settings(ca_file="")).email
    with pytest.raises(smtp.SmtpError) as err:
        smtp.deliver(email, _message(email)[0])
    assert err.value.step == "starttls"
    assert "certificate problem" in err.value.reply
    assert "email.ca_file" in err.value.hint


def test_starttls_not_offered_by_plain_server(settings, smtp_server):
    srv = smtp_server("plain")
    email = settings.with_overrides(email=srv.email_settings(security="starttls")).email
    with pytest.raises(smtp.SmtpError) as err:
        smtp.deliver(email, _message(email)[0])
    assert err.value.step == "starttls"
    assert "does not offer STARTTLS" in err.value.hint


def test_silent_server_times_out_quickly(settings, silent_port):
    import time

    email = settings.with_overrides(email={
        "smtp_host": "127.0.0.1", "smtp_port": silent_port, "security": "none", "timeout_s": 0.5,
        "sender": "a@example.com", "recipients": ["b@example.com"]}).email
    t0 = time.monotonic()
    with pytest.raises(smtp.SmtpError) as err:
        smtp.deliver(email, _message(email)[0])
    assert time.monotonic() - t0 < 3
    assert err.value.code is None and "No reply" in err.value.hint


def test_connection_refused(settings, unused_port):
    email = settings.with_overrides(email={
        "smtp_host": "127.0.0.1", "smtp_port": unused_port, "security": "starttls",
        "sender": "a@example.com", "recipients": ["b@example.com"]}).email
    with pytest.raises(smtp.SmtpError) as err:
        smtp.deliver(email, _message(email)[0])
    assert err.value.step == "connect"
    assert "connection refused" in err.value.reply
    assert "Nothing listens" in err.value.hint


def test_settings_errors_name_every_setting(settings):
    email = settings.with_overrides(email={"smtp_host": "", "recipients": [], "sender": "not-an-address",
                                           "smtp_username": "me@example.com", "security": "tls"}).email
    with pytest.raises(ConfigError) as err:
        validate_email_settings(email)
    text = err.value.msg
    for name in ("email.smtp_host", "AEMO_WH_EMAIL_SMTP_HOST", "email.recipients", "email.sender",
                 "AEMO_WH_EMAIL_SMTP_PASSWORD", "email.security"):
        assert name in text


def test_password_in_toml_is_refused(tmp_path):
    from aemo_wh.config import load_settings

    cfg = tmp_path / "aemo_wh.toml"
    cfg.write_text('[email]\nsmtp_host = "smtp.mail.me.com"\nsmtp_password = "hunter2"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(config_file=cfg, env={})
    assert "AEMO_WH_EMAIL_SMTP_PASSWORD" in err.value.hint
    assert "hunter2" not in err.value.msg + err.value.hint


def test_password_is_not_in_the_settings_repr(settings):
    s = settings.with_overrides(email={"smtp_password": "hunter2-app-pass"})
    assert "hunter2-app-pass" not in repr(s) and "hunter2-app-pass" not in repr(s.email)
