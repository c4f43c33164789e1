"""Checks the `[email]` settings before any connection is tried.

All problems are gathered into one `ConfigError` whose message names each wrong or
missing setting (by its TOML key and its environment variable), so a user fixes them in
one go instead of one per run.
"""

from __future__ import annotations

import re
from email.utils import parseaddr
from pathlib import Path

from aemo_wh.config import EmailSettings
from aemo_wh.errors import ConfigError

SECURITY_MODES = ("starttls", "ssl", "none")
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def env_name(key: str) -> str:
    """The environment variable that sets `[email] <key>`."""
    return f"AEMO_WH_EMAIL_{key.upper()}"


def _where(key: str) -> str:
    return f"email.{key} ([email] {key} or {env_name(key)})"


# RFC 5321 domain: dot-separated labels (one label is fine: `user@localhost`, a local relay's usual
# form) or an address literal such as `[127.0.0.1]`.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9A-Fa-f:.]+\])")


def is_address(value: str) -> bool:
    """True for a plain `user@domain` address as RFC 5321 and local relays accept it (a display name
    is allowed; `user@localhost` and `user@[127.0.0.1]` are addresses)."""
    _name, addr = parseaddr(value)
    if not addr or "@" not in addr or any(c.isspace() for c in addr):
        return False
    local, _, domain = addr.rpartition("@")
    return bool(local) and "@" not in local and _DOMAIN.fullmatch(domain) is not None


def email_configured(email: EmailSettings) -> bool:
    """Whether the user has set up email at all (a host is the minimum)."""
    return bool(email.smtp_host.strip())


def validate_email_settings(email: EmailSettings) -> list[str]:
    """Raise one ConfigError naming every missing/wrong setting; return warnings otherwise."""
    problems: list[str] = []
    warnings: list[str] = []
    if not email.smtp_host.strip():
        problems.append(f"{_where('smtp_host')} is not set")
    if email.security not in SECURITY_MODES:
        problems.append(f"{_where('security')} is {email.security!r}; use one of {', '.join(SECURITY_MODES)}")
    if not 0 < int(email.smtp_port) < 65536:
        problems.append(f"{_where('smtp_port')} is {email.smtp_port}; use 1-65535 (587 STARTTLS, 465 SSL, 25 relay)")
    if not email.sender.strip():
        problems.append(f"{_where('sender')} is not set")
    elif not is_address(email.sender):
        problems.append(f"{_where('sender')} {email.sender!r} is not an email address")
    if not email.recipients:
        problems.append(f"{_where('recipients')} is empty (a list; in the environment comma-separated)")
    for r in email.recipients:
        if not is_address(r):
            problems.append(f"{_where('recipients')} contains {r!r}, which is not an email address")
    if email.smtp_username and not email.smtp_password:
        problems.append(
            f"email.smtp_password is not set but smtp_username is; set {env_name('smtp_password')} "
            "in the environment or in .env (never in the TOML file)"
        )
    if email.smtp_password and not email.smtp_username:
        problems.append(f"{_where('smtp_username')} is not set but a password is")
    if email.timeout_s <= 0:
        problems.append(f"{_where('timeout_s')} must be > 0 seconds")
    if email.ca_file and not Path(email.ca_file).is_file():
        problems.append(f"{_where('ca_file')} {email.ca_file!r} does not exist")
    if problems:
        raise ConfigError(
            "email is not configured correctly: " + "; ".join(problems),
            hint="See docs/email.md for iCloud, Gmail and Microsoft 365 presets.",
        )
    if email.security == "none" and email.smtp_username and email.smtp_host not in LOOPBACK:
        warnings.append("security = none sends the password unencrypted; use starttls or ssl")
    if email.security == "ssl" and email.smtp_port == 587:
        warnings.append("port 587 normally speaks STARTTLS; with security = ssl expect a TLS error")
    if email.security in ("starttls", "none") and email.smtp_port == 465:
        warnings.append("port 465 normally expects TLS at once (security = ssl)")
    if email.smtp_host.strip().lower() == "smtp.mail.me.com" and email.smtp_username:
        sender = parseaddr(email.sender)[1].lower()
        if sender != email.smtp_username.lower():
            warnings.append(
                "iCloud accepts only the account's own address (or an iCloud alias) as sender; "
                f"sender {sender} differs from the username"
            )
    return warnings
