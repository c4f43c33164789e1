"""The one shape every ingest source has: folders, file-name patterns and the tables it lands.

A source is declarative (`SOURCE = Source(...)` in its module); the generic machinery in
`aemo_wh.ingest.run` lists, downloads, parses and publishes. Code appears only where a source really
differs, as a `transform(spec, table, parsed) -> table` hook.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa

from aemo_wh.nemweb.mms_csv import ParsedFile
from aemo_wh.warehouse.tables import TableSpec

Transform = Callable[[TableSpec, pa.Table, ParsedFile], pa.Table]


@dataclass(frozen=True)
class Source:
    """One NEMWeb report folder and the warehouse tables its files feed.

    `file_pattern` matches Current file names and has a group `interval` (the time in the name,
    `YYYYMMDDHHMM[SS]`) and optionally `kind`. `archive_pattern` matches Reports/Archive bundle
    names and has a group `start` (`YYYYMMDD`) and optionally `kind`; a bundle covers
    `archive_days` days from `start`, `files_per_day` Current files per day.
    """

    name: str
    current_dir: str
    tables: tuple[TableSpec, ...]
    file_pattern: str
    archive_dir: str | None = None
    archive_pattern: str | None = None
    archive_days: int = 1
    files_per_day: int = 288
    transforms: dict[str, Transform] = field(default_factory=dict)  # by table name

    @property
    def file_rx(self) -> re.Pattern[str]:
        return re.compile(self.file_pattern, re.IGNORECASE)

    @property
    def archive_rx(self) -> re.Pattern[str] | None:
        return re.compile(self.archive_pattern, re.IGNORECASE) if self.archive_pattern else None

    def matches(self, name: str) -> bool:
        """True when `name` is a Current file or an Archive bundle of this source."""
        arx = self.archive_rx
        return bool(self.file_rx.fullmatch(name) or (arx is not None and arx.fullmatch(name)))

    def interval_of(self, name: str) -> tuple[str, dt.datetime] | None:
        """(kind, time in the name) of a Current file name, or None if it does not match."""
        m = self.file_rx.fullmatch(name)
        if not m:
            return None
        stamp = m.group("interval")
        fmt = "%Y%m%d%H%M%S" if len(stamp) == 14 else "%Y%m%d%H%M"
        kind = m.groupdict().get("kind") or ""
        return kind.upper(), dt.datetime.strptime(stamp, fmt)

    def archive_span(self, name: str) -> tuple[str, dt.date, dt.date] | None:
        """(kind, first day, day after the last) an Archive bundle name covers, or None."""
        arx = self.archive_rx
        m = arx.fullmatch(name) if arx else None
        if not m:
            return None
        start = dt.datetime.strptime(m.group("start"), "%Y%m%d").date()
        kind = m.groupdict().get("kind") or ""
        return kind.upper(), start, start + dt.timedelta(days=self.archive_days)

    def extract(self, parsed: ParsedFile) -> list[tuple[TableSpec, pa.Table]]:
        """The (spec, table) pairs of this source found in a parsed file (absent tables skipped)."""
        out = []
        for spec in self.tables:
            table = parsed.table(*spec.aemo)
            if table is None:
                continue
            hook = self.transforms.get(spec.name)
            if hook is not None:
                table = hook(spec, table, parsed)
            out.append((spec, table))
        return out
