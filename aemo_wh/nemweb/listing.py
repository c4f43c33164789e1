"""NEMWeb directory-listing parser (IIS "directory browsing" pages, 2012, 2021 and 2026 eras).

Every era shares one entry grammar inside `<pre>`:
`<Weekday>, <Month> <D>, <YYYY> <h:mm> <AM|PM>  <size | &lt;dir&gt;> <A HREF="...">name</A><br>`.
Day and hour padding, tag case, absolute vs root-relative hrefs, `CURRENT` vs `Current` and
directory hrefs with or without a trailing slash all vary (../shared/docs/nemweb_format.md §5).
Listing times are market time (NEM, UTC+10), returned as naive datetimes.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import urllib.parse
from dataclasses import dataclass

_ENTRY = re.compile(
    r"(?:\w+day),\s+(?P<month>[A-Za-z]+)\s+(?P<day>\d{1,2}),\s+(?P<year>\d{4})\s+"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*(?P<ampm>[AP]M)\s+"
    r"(?P<size>\d+|&lt;dir&gt;|<dir>)\s+"
    r"<a\s+href\s*=\s*\"(?P<href>[^\"]+)\"\s*>(?P<name>[^<]*)</a>",
    re.IGNORECASE,
)
_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1)}  # fmt: skip


@dataclass(frozen=True)
class ListingEntry:
    """One row of a listing page."""

    name: str  # file name as shown (e.g. "PUBLIC_ARCHIVE#DAYTRACK#FILE01#202409010000.zip")
    href: str  # as written in the page (may hold %23 for '#')
    url: str  # href resolved against the page URL
    size: int | None  # bytes; None for directories
    modified: dt.datetime  # market time, naive
    is_dir: bool


def parse_listing(page: str, base_url: str = "") -> list[ListingEntry]:
    """Entries of one listing page, in page order, without the parent-directory link.

    `base_url` is the URL the page was fetched from; hrefs are resolved against it
    (root-relative hrefs then point at the same host, even a loopback mirror).
    """
    entries = []
    for m in _ENTRY.finditer(page):
        month = _MONTHS.get(m["month"].lower())
        if month is None:
            continue
        hour = int(m["hour"]) % 12 + (12 if m["ampm"].upper() == "PM" else 0)
        modified = dt.datetime(int(m["year"]), month, int(m["day"]), hour, int(m["minute"]))
        is_dir = not m["size"].isdigit()
        href = html.unescape(m["href"])
        name = html.unescape(m["name"]).strip()
        url = urllib.parse.urljoin(base_url, href) if base_url else href
        entries.append(ListingEntry(name, href, url, None if is_dir else int(m["size"]), modified, is_dir))
    return entries


def file_entries(
    page: str, base_url: str = "", pattern: str | re.Pattern[str] | None = None
) -> list[ListingEntry]:
    """Files (not directories) of a page whose name fully matches `pattern` (case-insensitive)."""
    rx = re.compile(pattern, re.IGNORECASE) if isinstance(pattern, str) else pattern
    return [e for e in parse_listing(page, base_url) if not e.is_dir and (rx is None or rx.fullmatch(e.name))]
