"""Subprocess worker for the warehouse process tests (crash, lock, concurrent reader).

    python wh_worker.py ingest ROOT N [--grace-s S] [--per-run K] [--sleep S]
    python wh_worker.py read ROOT MAX_SECONDS OUT.jsonl   (stops when OUT.jsonl.stop exists)
    python wh_worker.py hold ROOT

`ingest` lands a deterministic sequence of N synthetic SCADA "source files" through the real
writer (skipping names the ledger has), re-publishing every 5th interval with a newer
LASTCHANGED, and compacting as a simulated clock passes day and month ends.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

from aemo_wh.warehouse import Warehouse
from aemo_wh.warehouse.compaction import compact
from aemo_wh.warehouse.synthetic import scada_table
from aemo_wh.warehouse.tables import UNIT_SCADA

T0 = dt.datetime(2025, 1, 31, 20, 5)  # the sequence crosses a day and a month end
STEP = dt.timedelta(minutes=40)
N_DUIDS = 300


def plan(n: int) -> list[tuple[str, dt.datetime, int]]:
    """(source name, interval end, revision): every 5th file re-publishes an earlier interval."""
    out = []
    k = 0
    for i in range(n):
        if i % 5 == 4:
            out.append((f"PUBLIC_SYNTH_{i:05d}_R.zip", T0 + STEP * (k - 2), 1))
        else:
            out.append((f"PUBLIC_SYNTH_{i:05d}.zip", T0 + STEP * k, 0))
            k += 1
    return out


def expected(n: int) -> dict[tuple[dt.datetime, str], int]:
    """(interval, duid) -> winning revision after all n files."""
    exp: dict[tuple[dt.datetime, str], int] = {}
    for _name, end, rev in plan(n):
        for d in range(N_DUIDS):
            key = (end, f"DUID{d:04d}")
            exp[key] = max(exp.get(key, 0), rev)
    return exp


def ingest(root: Path, n: int, grace_s: float, per_run: int, sleep: float) -> None:
    wh = Warehouse(root, grace_hours=grace_s / 3600)
    todo = plan(n)
    print("ready", flush=True)
    while True:
        pending = [p for p in todo if (wh.ledger.lookup(p[0]) or {}).get("status") != "loaded"]
        if not pending:
            break
        with wh.writer(timeout_s=30) as w:
            for name, end, rev in pending[:per_run]:
                t = scada_table(end, N_DUIDS, revision=rev, source_file=name)
                rows = w.publish_batch([(UNIT_SCADA, t)], source_file=name)
                w.record_loaded(
                    name=name, source="synthetic", size=0, sha256=name, publisher="AEMO", rows=rows
                )
                if sleep:
                    time.sleep(sleep)
            compact(w, now=end + dt.timedelta(hours=1, minutes=1))
    print("done", flush=True)


def read(root: Path, seconds: float, out: Path) -> None:
    """Query in a loop until `<out>.stop` appears (then once more) or `seconds` pass."""
    from aemo_wh.warehouse.reader import connect_raw, refresh

    con = connect_raw(root)
    stop = out.with_name(out.name + ".stop")
    deadline = time.monotonic() + seconds
    print("ready", flush=True)
    with out.open("w") as fh:
        last = False
        while not last:
            last = stop.exists() or time.monotonic() > deadline
            try:
                if refresh(con):
                    files = con.execute("select getvariable('unit_scada_files')").fetchall()[0][0]
                    fh.write(json.dumps({"files": files}) + "\n")
                n, keys, intervals = con.execute(
                    "select count(*), count(distinct (settlementdate, duid)), count(distinct settlementdate) "
                    "from unit_scada"
                ).fetchall()[0]
                fh.write(json.dumps({"rows": n, "keys": keys, "intervals": intervals}) + "\n")
            except Exception as exc:  # recorded, the test fails on any
                fh.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")


def hold(root: Path) -> None:
    wh = Warehouse(root)
    with wh.writer():
        print("locked", flush=True)
        time.sleep(600)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["ingest", "read", "hold"])
    ap.add_argument("root", type=Path)
    ap.add_argument("arg", nargs="*")
    ap.add_argument("--grace-s", type=float, default=3600)
    ap.add_argument("--per-run", type=int, default=10_000)
    ap.add_argument("--sleep", type=float, default=0.0)
    a = ap.parse_args()
    if a.mode == "ingest":
        ingest(a.root, int(a.arg[0]), a.grace_s, a.per_run, a.sleep)
    elif a.mode == "read":
        read(a.root, float(a.arg[0]), Path(a.arg[1]))
    else:
        hold(a.root)


if __name__ == "__main__":
    sys.exit(main())
