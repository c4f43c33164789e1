"""Property: after any sequence of publishes (and compactions) the warehouse equals a simple model.

Model of the rule in docs/architecture.md: inside one file the later row wins unless an earlier
one has a newer LASTCHANGED (a missing LASTCHANGED is oldest); against live data the live row
survives only when both LASTCHANGED are set and the live one is newer.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aemo_wh.warehouse import Warehouse
from aemo_wh.warehouse.compaction import compact
from aemo_wh.warehouse.reader import connect_raw
from aemo_wh.warehouse.tables import UNIT_SCADA

ENDS = [dt.datetime(2025, 6, 30, 23, 55), dt.datetime(2025, 7, 1, 0, 0), dt.datetime(2025, 7, 1, 0, 5)]
DUIDS = ["A", "B", "C"]
LCS = [None, dt.datetime(2025, 7, 1, 1), dt.datetime(2025, 7, 1, 2), dt.datetime(2025, 7, 1, 3)]

row = st.tuples(st.sampled_from(ENDS), st.sampled_from(DUIDS), st.sampled_from(LCS))
batch = st.lists(row, min_size=1, max_size=6)
step = st.one_of(batch, st.just("compact"))


def _model(steps: list) -> dict[tuple, float]:
    live: dict[tuple, tuple] = {}  # key -> (lastchanged, value)
    for b_idx, b in enumerate(steps):
        if b == "compact":
            continue
        winners: dict[tuple, tuple] = {}
        for r_idx, (end, duid, lc) in enumerate(b):
            rank = (lc is not None, lc or dt.datetime.min, r_idx)
            value = b_idx * 100.0 + r_idx
            if (end, duid) not in winners or rank > winners[(end, duid)][0]:
                winners[(end, duid)] = (rank, lc, value)
        for key, (_rank, lc, value) in winners.items():
            old = live.get(key)
            if old is not None and old[0] is not None and lc is not None and old[0] > lc:
                continue
            live[key] = (lc, value)
    return {k: v for k, (_lc, v) in live.items()}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=6))
def test_publish_sequence_matches_the_model(steps: list) -> None:
    with tempfile.TemporaryDirectory() as d:
        wh = Warehouse(Path(d) / "wh")
        with wh.writer() as w:
            for b_idx, b in enumerate(steps):
                if b == "compact":
                    compact(w, now=dt.datetime(2025, 8, 2))  # closes the June and July days/months
                    continue
                t = pa.table(
                    {
                        "settlementdate": pa.array([r[0] for r in b], pa.timestamp("s")),
                        "duid": [r[1] for r in b],
                        "scadavalue": [b_idx * 100.0 + i for i in range(len(b))],
                        "lastchanged": pa.array([r[2] for r in b], pa.timestamp("s")),
                    }
                )
                w.publish(UNIT_SCADA, t, f"F{b_idx}.zip")
        con = connect_raw(wh.root)
        got = {(r[0], r[1]): r[2] for r in con.execute("select settlementdate, duid, scadavalue from unit_scada").fetchall()}
        n = con.execute("select count(*) from unit_scada").fetchall()[0][0]
        con.close()
    assert n == len(got)
    assert got == _model(steps)
