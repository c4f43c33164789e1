"""Real processes against the warehouse: the writer lock, SIGKILL mid-ingest, a concurrent reader.

* lock: a second writer gets WarehouseBusy; SIGKILL of the holder releases the lock.
* crash: `aemo-wh ingest` (real CLI, real loopback NEMWeb server, real AEMO-format files derived
  from the 2025-12-27 00:05 SCADA sample) and `aemo-wh compact` are SIGKILLed mid-run several
  times; afterwards every manifest file is whole, no key is duplicated, stray staging is gone
  and a re-run completes with the right rows.
* concurrency: a reader process loops a count/distinct-key query through connect_raw/refresh
  while a writer process ingests, re-publishes and compacts: zero errors, no duplicate or
  partial intervals, counts never go down.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from aemo_wh.nemweb.server import NemwebServer
from aemo_wh.warehouse import Warehouse, WarehouseBusy
from aemo_wh.warehouse.reader import connect_raw
from aemo_wh.warehouse.tables import TABLES

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORKER = HERE / "wh_worker.py"
SAMPLE = ROOT / "tests" / "data" / "core" / "dispatch_scada" / "sample_dispatchscada.csv"
SAMPLE_END = dt.datetime(2025, 12, 27, 0, 5)


def _spawn(*args: str, env: dict | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait_line(proc: subprocess.Popen[str], want: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if line.strip() == want:
            return
        if not line and proc.poll() is not None:
            raise AssertionError(f"worker exited {proc.returncode}: {proc.stderr.read()}")  # type: ignore[union-attr]
    raise AssertionError(f"no {want!r} from worker")


def assert_consistent(root: Path) -> dict[str, int]:
    """Every manifest file is whole and matches its entry; no duplicate keys; returns rows per table."""
    wh = Warehouse(root)
    con = connect_raw(root)
    rows = {}
    for name, spec in TABLES.items():
        for e in wh.manifest(name).files:
            t = pq.read_table(root / e.path)  # raises on a partial / corrupt file
            assert t.num_rows == e.rows, e.path
            if spec.time_column:
                mm = pc.min_max(t[spec.time_column])
                assert (mm["min"].as_py().isoformat(), mm["max"].as_py().isoformat()) == (e.min_ts, e.max_ts)
        pk = ", ".join(spec.primary_key)
        n, keys = con.execute(f"select count(*), count(distinct ({pk})) from {name}").fetchall()[0]
        assert n == keys, f"{name}: {n - keys} duplicate key(s)"
        rows[name] = n
    return rows


# -- the writer lock ------------------------------------------------------------------------------


def test_second_writer_is_busy_until_the_holder_is_sigkilled(tmp_path: Path) -> None:
    root = tmp_path / "wh"
    holder = _spawn(str(WORKER), "hold", str(root))
    try:
        _wait_line(holder, "locked")
        with pytest.raises(WarehouseBusy, match=f"pid {holder.pid}"), Warehouse(root).writer():
            pass
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        with Warehouse(root).writer(timeout_s=5) as w:  # the kernel dropped the dead holder's lock
            assert w.manifest("unit_scada").version == 0
    finally:
        holder.kill()
        holder.wait(10)


# -- SIGKILL during `aemo-wh ingest` and `aemo-wh compact` -----------------------------------------

N_INTERVALS = 72
REPUBLISH_EVERY = 10  # these intervals are re-published later with a newer LASTCHANGED (+1000 MW)


def _aemo_time(t: dt.datetime) -> str:
    return t.strftime("%Y/%m/%d %H:%M:%S")


def _scada_file(end: dt.datetime, seq: int, revised: bool) -> tuple[str, bytes]:
    """An AEMO DISPATCHSCADA file for interval `end`, made from the real sample's rows."""
    lines = SAMPLE.read_text().splitlines()
    lc = end - dt.timedelta(minutes=5) + dt.timedelta(seconds=22) + (dt.timedelta(hours=1) if revised else dt.timedelta())
    out = []
    for line in lines:
        if line.startswith("D,"):
            f = line.split(",")
            f[4], f[7] = f'"{_aemo_time(end)}"', f'"{_aemo_time(lc)}"'
            if revised:
                f[6] = f"{float(f[6]) + 1000:.2f}"
            line = ",".join(f)
        elif line.startswith("C,NEMP.WORLD"):
            f = line.split(",")
            f[7] = f"{seq:016d}"
            line = ",".join(f)
        out.append(line)
    name = f"PUBLIC_DISPATCHSCADA_{end:%Y%m%d%H%M}_{seq:016d}"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name + ".CSV", "\r\n".join(out) + "\r\n")
    return name + ".zip", buf.getvalue()


def _build_mirror(root: Path) -> tuple[int, set[dt.datetime]]:
    folder = root / "Reports" / "Current" / "Dispatch_SCADA"
    folder.mkdir(parents=True)
    start = SAMPLE_END + dt.timedelta(hours=22)  # crosses midnight, so compaction has a closed day
    revised = set()
    files = 0
    for i in range(N_INTERVALS):
        end = start + dt.timedelta(minutes=5 * i)
        name, data = _scada_file(end, 500_000_000 + i, revised=False)
        (folder / name).write_bytes(data)
        files += 1
        if i % REPUBLISH_EVERY == 0:
            name, data = _scada_file(end, 600_000_000 + i, revised=True)
            (folder / name).write_bytes(data)
            revised.add(end)
            files += 1
    return files, revised


def _loaded(root: Path) -> int:
    return len(Warehouse(root).ledger.rows(status="loaded")) if (root / "_ledger").exists() else 0


def _lock_holder(root: Path) -> int | None:
    try:
        text = (root / ".writer.lock").read_text().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


def _wait_for(proc: subprocess.Popen[str], cond, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if cond():
                return
        except Exception:  # the ledger may be mid-creation; poll again
            pass
        time.sleep(0.005)


SMALL_BATCH_INGEST = (
    "import sys, aemo_wh.ingest.run as ingest; from aemo_wh.cli import main; ingest.BATCH_FILES = 3; "
    "sys.exit(main(['ingest', '--source', 'dispatch_scada']))"
)


def _cli_env(base_url: str, root: Path, tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        AEMO_WH_NEMWEB_BASE_URL=base_url,
        AEMO_WH_PATHS_WAREHOUSE=str(root),
        AEMO_WH_PATHS_LOGS=str(tmp / "logs"),
        AEMO_WH_NEMWEB_BACKOFF_S="0.01",
        AEMO_WH_CONFIG=str(tmp / "absent.toml"),
    )
    return env


def test_sigkill_during_ingest_and_compaction_leaves_a_consistent_warehouse(tmp_path: Path) -> None:
    n_files, revised = _build_mirror(tmp_path / "nemweb")
    root = tmp_path / "wh"
    rng = random.Random(20251227)
    kills = 0
    with NemwebServer(tmp_path / "nemweb") as srv:
        env = _cli_env(srv.url, root, tmp_path)
        t0 = time.monotonic()
        for attempt, cmd in enumerate(("ingest", "compact", "ingest", "ingest")):
            before = _loaded(root)
            if cmd == "ingest":  # batches of 3 files, so kills land inside and between batch publishes
                proc = _spawn("-c", SMALL_BATCH_INGEST, env=env)
            else:
                proc = _spawn("-m", "aemo_wh.cli", cmd, env=env)
            if cmd == "ingest":  # kill somewhere inside the landing of the next few files
                target = before + rng.randint(2, 10)
                _wait_for(proc, lambda t=target: _loaded(root) >= t)
                time.sleep(rng.uniform(0, 0.03))
            else:  # kill inside the compaction: after it took the lock
                _wait_for(proc, lambda p=proc: _lock_holder(root) == p.pid)
                time.sleep(rng.uniform(0.02, 0.25))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait(30)
            print(f"{attempt} {cmd} killed={proc.returncode == -9} {time.monotonic() - t0:.1f}s", flush=True)
            if root.exists():
                assert_consistent(root)  # consistent after every kill, before any repair
        assert kills >= 3, "the runs finished before they could be killed; make the mirror bigger"
        loaded_before = len(Warehouse(root).ledger.rows(status="loaded"))
        stale = root / "_staging" / "from-a-killed-run.parquet"  # whatever the kills left, plus this
        stale.write_bytes(b"PAR1 half written")
        assert 0 < loaded_before < n_files
        final = subprocess.run(
            [sys.executable, "-m", "aemo_wh.cli", "ingest", "--source", "dispatch_scada"], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert final.returncode == 0, final.stderr
        compact = subprocess.run(
            [sys.executable, "-m", "aemo_wh.cli", "compact"], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert compact.returncode == 0, compact.stderr
    rows = assert_consistent(root)
    assert rows["unit_scada"] == N_INTERVALS * 493
    wh = Warehouse(root)
    assert len(wh.ledger.rows(status="loaded")) == n_files
    assert not stale.exists()
    assert [f for f in (root / "_staging").rglob("*") if f.is_file()] == []
    con = connect_raw(root)
    per_interval = dict(
        con.execute(
            "select settlementdate, sum(scadavalue) from unit_scada group by 1"
        ).fetchall()
    )
    base = sum(float(line.split(",")[6]) for line in SAMPLE.read_text().splitlines() if line.startswith("D,"))
    for end, total in per_interval.items():
        want = base + (1000 * 493 if end in revised else 0)
        assert total == pytest.approx(want), end
    assert {e.level for e in wh.manifest("unit_scada").files} == {"month"}  # 2025 is long closed
    on_disk = {p.relative_to(root).as_posix() for p in root.glob("unit_scada/**/*.parquet")}
    live = {e.path for e in wh.manifest("unit_scada").files}
    trashed = {i["path"] for i in json.loads((root / "_trash.json").read_text())}
    assert on_disk <= live | trashed  # anything a killed run left is scheduled for deletion


# -- a reader during ingest + compaction -------------------------------------------------------------


def test_concurrent_reader_sees_whole_intervals_and_counts_never_go_down(tmp_path: Path) -> None:
    root = tmp_path / "wh"
    out = tmp_path / "reads.jsonl"
    n_files = 60
    with Warehouse(root).writer():
        pass  # create the layout so the reader starts on an empty warehouse
    reader = _spawn(str(WORKER), "read", str(root), "120", str(out))
    try:
        _wait_line(reader, "ready")
        # several short writer runs so superseded files pass through the (1.5 s) grace period
        writer = _spawn(str(WORKER), "ingest", str(root), str(n_files), "--per-run", "10", "--grace-s", "1.5",
                        "--sleep", "0.05")  # fmt: skip
        _wait_line(writer, "ready")
        assert writer.wait(60) == 0, writer.stderr.read()  # type: ignore[union-attr]
        out.with_name(out.name + ".stop").touch()
        assert reader.wait(60) == 0, reader.stderr.read()  # type: ignore[union-attr]
    finally:
        for p in (reader, locals().get("writer")):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait(10)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    seen_files = {f for r in lines for f in r.get("files", [])}
    results = [r for r in lines if "files" not in r]
    errors = [r["error"] for r in results if "error" in r]
    assert errors == []
    assert len(results) > 50
    sys.path.insert(0, str(HERE))
    try:
        import wh_worker  # the same plan the writer used
    finally:
        sys.path.remove(str(HERE))
    final_keys = len(wh_worker.expected(n_files))
    last = 0
    for r in results:
        assert r["rows"] == r["keys"], r  # no duplicate keys, ever
        assert r["rows"] == r["intervals"] * wh_worker.N_DUIDS, r  # only whole intervals
        assert r["rows"] >= last, r  # never goes down
        assert r["rows"] <= final_keys, r  # never doubles
        last = r["rows"]
    assert last == final_keys
    levels = {e.level for e in Warehouse(root).manifest("unit_scada").files}
    assert {"month", "day"} <= levels  # compaction really ran underneath the reader
    assert any(not Path(f).exists() for f in seen_files)  # files it had read were deleted meanwhile
    assert_consistent(root)
