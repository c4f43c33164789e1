"""Jinja2 rendering for emails (HTML autoescaped, plain text not) and a plain-text table helper."""

from __future__ import annotations

import datetime as dt
import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2
import markupsafe


@cache
def environment() -> jinja2.Environment:
    """The template environment over `aemo_wh/mail/templates/`."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("aemo_wh.mail", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["money"] = money
    env.filters["num"] = num
    env.filters["code"] = code
    return env


def code(text: str) -> markupsafe.Markup:
    """Escape text for HTML and show `backticked` commands in a monospace <code> span."""
    escaped = str(markupsafe.escape(text))
    return markupsafe.Markup(re.sub(
        r"`([^`]+)`", r'<code style="font-family:Menlo,Consolas,monospace;background:#eef1f5;padding:0 3px;">\1</code>',
        escaped))


def render(name: str, **context: Any) -> str:
    """Render one template with the common context (host, generated time) added."""
    context.setdefault("host", socket.gethostname())
    context.setdefault("generated", f"generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    return environment().get_template(name).render(**context)


def money(value: float | None, decimals: int = 2) -> str:
    """$1,234.56 / -$12.00 / '–' for missing."""
    if value is None:
        return "–"
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.{decimals}f}"


def num(value: float | None, decimals: int = 0) -> str:
    """1,234 / '–' for missing."""
    if value is None:
        return "–"
    return f"{value:,.{decimals}f}"


@dataclass(frozen=True)
class Table:
    """A small table shown as HTML in the HTML part and aligned columns in the text part."""

    columns: Sequence[str]
    rows: Sequence[dict[str, str]]
    numeric: frozenset[str] = frozenset()

    @property
    def text(self) -> str:
        widths = {c: max([len(c), *(len(str(r[c])) for r in self.rows)]) for c in self.columns}

        def line(values: dict[str, str]) -> str:
            cells = [str(values[c]).rjust(widths[c]) if c in self.numeric else str(values[c]).ljust(widths[c])
                     for c in self.columns]
            return "  ".join(cells).rstrip()

        head = line({c: c for c in self.columns})
        rule = "  ".join("-" * widths[c] for c in self.columns)
        return "\n".join([head, rule, *(line(r) for r in self.rows)])
