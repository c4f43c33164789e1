"""Synthetic tables shaped like AEMO's DISPATCH_UNIT_SCADA, for warehouse tests and benchmarks.

Values are a deterministic function of (interval, duid, revision) so a test can compute the
expected warehouse contents after any sequence of (re-)publishes.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa


def scada_value(end: dt.datetime, duid_index: int, revision: int = 0) -> float:
    return round((end.hour * 60 + end.minute) * 0.5 + duid_index * 1.25 + revision * 1000.0, 3)


def scada_table(
    end: dt.datetime,
    n_duids: int = 500,
    revision: int = 0,
    lastchanged: dt.datetime | None = None,
    source_file: str = "SYNTHETIC.zip",
    duid_offset: int = 0,
) -> pa.Table:
    """One 5-minute interval of unit SCADA: `n_duids` rows ending at `end` (NEM time)."""
    idx = range(duid_offset, duid_offset + n_duids)
    lc = lastchanged or (end + dt.timedelta(seconds=30 + revision))
    return pa.table(
        {
            "settlementdate": pa.array([end] * n_duids, pa.timestamp("s")),
            "duid": [f"DUID{i:04d}" for i in idx],
            "scadavalue": [scada_value(end, i, revision) for i in idx],
            "lastchanged": pa.array([lc] * n_duids, pa.timestamp("s")),
            "_source_file": [source_file] * n_duids,
        }
    )
