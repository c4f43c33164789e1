"""SMTP delivery with one failure explained: which step, the server's reply code, a hint.

`deliver()` walks the steps (connect, EHLO, STARTTLS, AUTH, MAIL/RCPT/DATA) and reports
each one to an optional callback, so `aemo-wh email test` can print them as they happen.
Any failure becomes an `SmtpError` carrying the step, the reply code (when the server
sent one) and a hint for the usual causes: wrong port for the security mode, rejected
login, sender not allowed, certificate problem, timeout. The password is never logged
or printed.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr
from typing import ParamSpec, TypeVar

from aemo_wh.config import EmailSettings
from aemo_wh.errors import EmailDeliveryError
from aemo_wh.log import get_logger
from aemo_wh.mail.compose import to_bytes
from aemo_wh.mail.settings import validate_email_settings

logger = get_logger(__name__)

Step = Callable[[str, str], None]  # (step name, detail) -> None
P = ParamSpec("P")
T = TypeVar("T")

AUTH_HINT = (
    "The server rejected the login. Check email.smtp_username and AEMO_WH_EMAIL_SMTP_PASSWORD. "
    "iCloud and Gmail need an app-specific password (not the account password); "
    "Microsoft 365 needs SMTP AUTH enabled for the mailbox."
)


class SmtpError(EmailDeliveryError):
    """A delivery failure: the step it happened at, the server's reply code, a hint."""

    def __init__(self, step: str, code: int | None, reply: str, hint: str) -> None:
        code_txt = f"reply code {code}" if code is not None else "no reply code"
        super().__init__(f"SMTP {step} failed: {code_txt}: {reply}", hint=hint)
        self.step = step
        self.code = code
        self.reply = reply


@dataclass(frozen=True)
class DeliveryResult:
    """What the server accepted."""

    accepted: list[str]
    refused: dict[str, str]  # recipient -> "code reply"


def _quiet(_step: str, _detail: str) -> None:
    return None


def tls_context(email: EmailSettings) -> ssl.SSLContext:
    """A verifying TLS context (system CAs plus `email.ca_file` when set)."""
    ctx = ssl.create_default_context()
    if email.ca_file:
        ctx.load_verify_locations(cafile=email.ca_file)
    return ctx


def envelope_recipients(msg: Message) -> list[str]:
    """Bare addresses of To, Cc and Bcc."""
    fields = [v for h in ("To", "Cc", "Bcc") for v in msg.get_all(h, [])]
    return [addr for _name, addr in getaddresses(fields) if addr]


def _reply_text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def diagnose(exc: BaseException, email: EmailSettings, step: str) -> SmtpError:
    """Turn an smtplib/ssl/socket exception into an SmtpError with a hint."""
    host, port, mode = email.smtp_host, email.smtp_port, email.security
    if isinstance(exc, SmtpError):
        return exc
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return SmtpError(step, exc.smtp_code, _reply_text(exc.smtp_error), AUTH_HINT)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return SmtpError(
            step, exc.smtp_code, _reply_text(exc.smtp_error),
            f"The server does not allow {exc.sender} as sender. The sender (email.sender) must be an "
            "address of the account you log in with (iCloud: the Apple ID address or an iCloud alias; "
            "Gmail: the account or a verified 'send mail as' address).",
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{r}: {c} {_reply_text(t)}" for r, (c, t) in exc.recipients.items()]
        first_code = next(iter(exc.recipients.values()))[0] if exc.recipients else None
        return SmtpError(
            step, first_code, "; ".join(parts),
            "Every recipient was refused. Check email.recipients; 'relay access denied' means the server "
            "relays only for logged-in users (set smtp_username and the password).",
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        if step == "starttls":
            hint = (f"{host}:{port} does not offer STARTTLS. Port 465 expects TLS at once (security = \"ssl\"); "
                    "a local relay without TLS uses security = \"none\".")
        else:
            hint = ("The server offers no AUTH on this connection. Most servers offer it only after TLS: "
                    "use security = \"starttls\" (587) or \"ssl\" (465); an open relay needs no smtp_username.")
        return SmtpError(step, None, str(exc), hint)
    if isinstance(exc, smtplib.SMTPDataError):
        reply = _reply_text(exc.smtp_error)
        hint = "The server refused the message."
        if exc.smtp_code in (550, 553, 554) and any(w in reply.lower() for w in ("sender", "from", "5.7")):
            hint = ("The server refused the sender address: email.sender must be an address of the account "
                    "you log in with (iCloud: the Apple ID address or an iCloud alias).")
        return SmtpError(step, exc.smtp_code, reply, hint)
    if isinstance(exc, smtplib.SMTPConnectError):
        return SmtpError(step, exc.smtp_code, _reply_text(exc.smtp_error),
                         "The server answered the connection with an error greeting; try again later.")
    if isinstance(exc, smtplib.SMTPResponseException):
        return SmtpError(step, exc.smtp_code, _reply_text(exc.smtp_error), "The server refused this step.")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return SmtpError(
            step, None, f"certificate problem: {exc.verify_message or exc}",
            f"The certificate of {host} is not trusted or does not match the host name. Use the host name "
            "the certificate is issued for (not an IP address); for a relay with a private CA set "
            "email.ca_file to its CA bundle (PEM).",
        )
    if isinstance(exc, ssl.SSLError):
        if mode == "ssl":
            hint = (f"TLS did not start on {host}:{port}: this port probably speaks plain SMTP first. "
                    "Port 587 uses security = \"starttls\"; use \"ssl\" with port 465.")
        else:
            hint = "The TLS negotiation failed; check the port and security mode (587 starttls, 465 ssl)."
        return SmtpError(step, None, f"TLS error: {exc}", hint)
    timed_out = isinstance(exc, TimeoutError | socket.timeout) or (
        isinstance(exc, smtplib.SMTPServerDisconnected) and "timed out" in str(exc)
    )  # smtplib turns a read timeout into "Connection unexpectedly closed: timed out"
    if timed_out:
        hint = (f"No reply from {host}:{port} within {email.timeout_s:g} s: the host or port is wrong, "
                "a firewall drops the connection, or the server is down.")
        if mode in ("starttls", "none") and step == "connect":
            hint += (" A server that expects TLS at once (implicit SSL, usually port 465) waits silently for "
                     "the TLS handshake: use security = \"ssl\" there.")
        return SmtpError(step, None, "timed out", hint)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        hint = "The server closed the connection."
        if mode in ("starttls", "none") and port == 465:
            hint += " Port 465 expects TLS at once: use security = \"ssl\"."
        elif mode == "ssl":
            hint += " Check that this port expects TLS at once (465); 587 uses security = \"starttls\"."
        return SmtpError(step, None, str(exc) or "connection closed", hint)
    if isinstance(exc, ConnectionRefusedError):
        return SmtpError(
            step, None, f"connection refused by {host}:{port}",
            "Nothing listens on this host and port (server down or wrong port). "
            "Usual ports: 587 (starttls), 465 (ssl), 25 (plain relay).",
        )
    if isinstance(exc, socket.gaierror):
        return SmtpError(step, None, f"cannot resolve {host}: {exc}", "Check email.smtp_host (spelling, DNS).")
    if isinstance(exc, OSError):
        return SmtpError(step, None, f"{type(exc).__name__}: {exc}", "A network error; check host, port and firewall.")
    return SmtpError(step, None, f"{type(exc).__name__}: {exc}", "Unexpected failure; see the log.")


def connect(email: EmailSettings, on_step: Step = _quiet) -> smtplib.SMTP:
    """Connect, EHLO, STARTTLS (when configured) and AUTH (when a username is set)."""
    port, timeout = int(email.smtp_port), float(email.timeout_s)
    conn = _run_step("connect", email, None, _open, email, port, timeout, on_step)
    _run_step("ehlo", email, conn, _ehlo, conn, email, on_step)
    if email.security == "starttls":
        _run_step("starttls", email, conn, _starttls, conn, email, on_step)
    if email.smtp_username:
        _run_step("auth", email, conn, _login, conn, email, on_step)
    return conn


def _run_step(
    step: str,
    email: EmailSettings,
    conn: smtplib.SMTP | None,
    action: Callable[P, T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Run one step of the session: any failure closes `conn` (when one is open) and is raised as
    the SmtpError `diagnose()` makes of it for `step`."""
    try:
        return action(*args, **kwargs)
    except Exception as exc:
        if conn is not None:
            close(conn)
        raise diagnose(exc, email, step) from exc


def _open(email: EmailSettings, port: int, timeout: float, on_step: Step) -> smtplib.SMTP:
    host = email.smtp_host
    if email.security == "ssl":
        conn: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=tls_context(email))
    else:
        conn = smtplib.SMTP(host, port, timeout=timeout)
    # reported only once it succeeded: "ok connect" right before "FAILED at connect" misled (issue 19)
    on_step("connect", f"{host}:{port} (security {email.security}, timeout {timeout:g} s)")
    return conn


def _ehlo(conn: smtplib.SMTP, email: EmailSettings, on_step: Step) -> None:
    code, reply = conn.ehlo()
    if code != 250:
        raise smtplib.SMTPResponseException(code, reply)
    on_step("ehlo", f"{code} {_reply_text(reply).splitlines()[0]}")
    if email.security == "ssl":  # TLS since connect; reported once the server has greeted
        on_step("tls", f"TLS established ({_tls_version(conn)})")


def _starttls(conn: smtplib.SMTP, email: EmailSettings, on_step: Step) -> None:
    if not conn.has_extn("starttls"):
        raise smtplib.SMTPNotSupportedError("STARTTLS extension not supported by server.")
    conn.starttls(context=tls_context(email))
    conn.ehlo()
    on_step("starttls", f"TLS established ({_tls_version(conn)})")


def _login(conn: smtplib.SMTP, email: EmailSettings, on_step: Step) -> None:
    conn.login(email.smtp_username, email.smtp_password)
    on_step("auth", f"logged in as {email.smtp_username}")


def _tls_version(conn: smtplib.SMTP) -> str | None:
    sock = conn.sock
    return sock.version() if isinstance(sock, ssl.SSLSocket) else "?"


def close(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except Exception:
        with contextlib.suppress(Exception):
            conn.close()


def send_on(
    conn: smtplib.SMTP, email: EmailSettings, msg: EmailMessage | bytes, on_step: Step = _quiet
) -> DeliveryResult:
    """Send one message over an open connection (MAIL FROM, RCPT TO, DATA).

    `bytes` (a message from the outbox) are sent exactly as stored; a message object is
    serialised with `compose.WIRE_POLICY` first.
    """
    sender = parseaddr(email.sender)[1]
    raw = msg if isinstance(msg, bytes) else to_bytes(msg)
    headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
    rcpts = envelope_recipients(headers)
    refused_raw = _run_step("send", email, None, conn.sendmail, sender, rcpts, raw)
    refused = {r: f"{c} {_reply_text(t)}" for r, (c, t) in refused_raw.items()}
    accepted = [r for r in rcpts if r not in refused]
    if refused:
        logger.warning("SMTP server refused some recipients of %r: %s", headers["Subject"], refused)
    on_step("send", f"accepted for {', '.join(accepted)}" + (f"; refused {refused}" if refused else ""))
    return DeliveryResult(accepted=accepted, refused=refused)


def deliver(email: EmailSettings, msg: EmailMessage, on_step: Step = _quiet) -> DeliveryResult:
    """Validate the settings, connect and send one message (raises SmtpError / ConfigError)."""
    validate_email_settings(email)
    conn = connect(email, on_step)
    try:
        return send_on(conn, email, msg, on_step)
    finally:
        close(conn)
