"""Builds the MIME message: a plain-text part, an HTML part and inline PNGs (cid: images).

Structure (what mail clients render best):

    multipart/alternative
      text/plain
      multipart/related
        text/html          <img src="cid:...">
        image/png          Content-ID: <...>, Content-Disposition: inline
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from aemo_wh.config import EmailSettings

# How a message goes on the wire and into the outbox: CRLF, and headers folded only when longer
# than RFC 5322's hard limit. Python's 78-column folding moves a Subject that almost fits onto a
# continuation line ("Subject:\r\n [aemo-wh] ..."), which its own parser then reads back with a
# leading space. Bodies are quoted-printable (76 columns) either way, so no line is long.
WIRE_POLICY = policy.SMTP.clone(max_line_length=998)


def to_bytes(msg: EmailMessage) -> bytes:
    """The message as sent and as stored in the outbox."""
    return msg.as_bytes(policy=WIRE_POLICY)


@dataclass(frozen=True)
class InlineImage:
    """A PNG shown inside the HTML part; the HTML refers to it as `cid:<cid>`."""

    cid: str  # without angle brackets
    png: bytes
    filename: str


def new_cid(name: str, sender: str = "") -> str:
    """A globally unique Content-ID for an inline image (no angle brackets)."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "aemo-wh.local"
    return make_msgid(idstring=name, domain=domain)[1:-1]


def build_message(
    email: EmailSettings,
    subject: str,
    text: str,
    html: str | None = None,
    images: tuple[InlineImage, ...] | list[InlineImage] = (),
    recipients: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """An EmailMessage from the configured sender to the configured (or given) recipients."""
    msg = EmailMessage()
    msg["From"] = email.sender
    msg["To"] = ", ".join(recipients if recipients is not None else email.recipients)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    domain = parseaddr(email.sender)[1].rpartition("@")[2] or "aemo-wh.local"
    msg["Message-ID"] = make_msgid(idstring="aemo-wh", domain=domain)
    msg["X-Mailer"] = "aemo-wh"
    for k, v in (headers or {}).items():
        msg[k] = v
    # quoted-printable: 7-bit clean, so no server needs 8BITMIME for the dashes and arrows
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    if html is not None:
        msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
        if images:
            html_part = msg.get_payload()[1]
            for img in images:
                html_part.add_related(
                    img.png, maintype="image", subtype="png", cid=f"<{img.cid}>",
                    filename=img.filename, disposition="inline",
                )
    return msg
