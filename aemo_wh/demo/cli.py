"""`aemo-wh demo build | serve | live | up` - the simulated NEMWeb mirror and `make demo`.

The demo lives under `demo_data/` (mirror/ and warehouse/) so a user's real warehouse is never
mixed with simulated data. `demo up` = build the mirror if missing or stale (else catch it up to
now), serve it on 127.0.0.1, run the ordinary ingest (with archives) into the demo warehouse,
compact, then serve the dashboard on --port against it (if the dashboard is installed), while
new 5-minute intervals keep being published and ingested in the background.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from aemo_wh.config import Settings
from aemo_wh.demo.mirror import (
    DEFAULT_SEED,
    MIRROR_STREAMS,
    MirrorMeta,
    append_intervals,
    build_mirror,
    is_mirror,
)
from aemo_wh.errors import AemoWhError
from aemo_wh.log import get_logger
from aemo_wh.nemtime import now_nem

logger = get_logger(__name__)

DEMO_DIR = Path("demo_data")
STALE_AFTER = dt.timedelta(days=2)  # older mirrors are rebuilt rather than caught up


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="simulated NEMWeb mirror: build | serve | live | up (make demo)")
    dsub = p.add_subparsers(dest="demo_command", metavar="ACTION", required=True)

    b = dsub.add_parser("build", help="write a simulated NEMWeb mirror (AEMO file formats)")
    b.add_argument("--days", type=int, default=14, help="whole days before today (default 14)")
    b.add_argument("--seed", type=int, default=DEFAULT_SEED, help="simulation seed (deterministic)")
    b.add_argument("--out", type=Path, default=None, help="mirror folder (default demo_data/mirror)")
    b.set_defaults(func=cmd_build)

    s = dsub.add_parser("serve", help="serve a mirror over HTTP on 127.0.0.1 (NEMWeb listings)")
    s.add_argument("--port", type=int, default=8765)
    s.add_argument("--dir", type=Path, default=None, help="mirror folder (default demo_data/mirror)")
    s.set_defaults(func=cmd_serve)

    lv = dsub.add_parser("live", help="keep publishing new 5-minute intervals into a mirror")
    lv.add_argument("--interval-s", type=float, default=5.0,
                    help="seconds between new intervals (0 = follow the real 5-minute clock)")  # fmt: skip
    lv.add_argument("--count", type=int, default=0, help="stop after this many intervals (0 = run until ^C)")
    lv.add_argument("--dir", type=Path, default=None, help="mirror folder (default demo_data/mirror)")
    lv.set_defaults(func=cmd_live)

    u = dsub.add_parser("up", help="build + serve + ingest + compact + dashboard (make demo)")
    u.add_argument("--days", type=int, default=14)
    u.add_argument("--seed", type=int, default=DEFAULT_SEED)
    u.add_argument("--port", type=int, default=5010, help="dashboard port")
    u.add_argument("--no-dashboard", action="store_true", help="stop after ingest and compaction")
    u.set_defaults(func=cmd_up)


def demo_paths(settings: Settings) -> tuple[Path, Path]:
    base = settings.path(DEMO_DIR)
    return base / "mirror", base / "warehouse"


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    out = args.out or demo_paths(settings)[0]
    t0 = time.perf_counter()
    meta = build_mirror(out, days=args.days, seed=args.seed)
    print(f"demo mirror {out}: {meta.start} .. {meta.end} (seed {meta.seed}) in {time.perf_counter() - t0:.1f} s")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from aemo_wh.nemweb.server import NemwebServer

    root = args.dir or demo_paths(settings)[0]
    _require_mirror(root)
    srv = NemwebServer(root, port=args.port)
    print(f"serving {root} at http://127.0.0.1:{args.port}/Reports/Current/  (^C to stop)")
    srv.serve_forever()
    return 0


def cmd_live(args: argparse.Namespace, settings: Settings) -> int:
    root = args.dir or demo_paths(settings)[0]
    _require_mirror(root)
    done = 0
    while not args.count or done < args.count:
        if args.interval_s > 0:
            new = append_intervals(root, count=1)
            time.sleep(args.interval_s)
        else:
            new = append_intervals(root)
            time.sleep(10)
        for ts in new:
            print(f"published interval {ts:%Y-%m-%d %H:%M}", flush=True)
        done += len(new)
    return 0


def _require_mirror(root: Path) -> None:
    if not is_mirror(root):
        raise AemoWhError(f"no demo mirror at {root}", hint="Run `aemo-wh demo build` first.")


def prepare_mirror(mirror: Path, warehouse: Path, days: int, seed: int) -> str:
    """Build the mirror if missing, stale, built with other options or by code that published fewer
    streams (then the demo warehouse is reset too); otherwise publish the intervals since it was
    last run. Returns what was done."""
    if is_mirror(mirror):
        meta = MirrorMeta.read(mirror)
        fresh = now_nem() - meta.end_ts < STALE_AFTER
        if fresh and meta.days == days and meta.seed == seed and meta.streams == MIRROR_STREAMS:
            new = append_intervals(mirror)
            return f"caught up {len(new)} interval(s)"
    if warehouse.exists():
        shutil.rmtree(warehouse)  # simulated data only (demo_data/warehouse); rebuilt below
    build_mirror(mirror, days=days, seed=seed)
    return "built"


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    from aemo_wh.demo.fixture import ingest_mirror

    mirror, warehouse = demo_paths(settings)
    t0 = time.perf_counter()
    what = prepare_mirror(mirror, warehouse, args.days, args.seed)
    print(f"demo mirror {mirror}: {what} in {time.perf_counter() - t0:.1f} s", flush=True)
    t1 = time.perf_counter()
    load = ingest_mirror(mirror, warehouse, settings)
    print(
        f"ingest into {warehouse}: {load.files_loaded} file(s), {sum(load.rows.values())} row(s), "
        f"{len(load.quarantined)} quarantined, {len(load.errors)} error(s) in {time.perf_counter() - t1:.1f} s",
        flush=True,
    )
    if load.errors or load.quarantined:
        return 1
    serve = None if args.no_dashboard else _dashboard_server()
    if serve is None:
        print(f"demo warehouse ready: {warehouse}")
        return 0
    stop = threading.Event()
    feeder = threading.Thread(target=_keep_live, args=(mirror, warehouse, settings, stop), daemon=True)
    feeder.start()
    try:
        dash_settings = settings.with_overrides(paths={"warehouse": warehouse})
        return int(serve(dash_settings, args.port) or 0)
    finally:
        stop.set()
        feeder.join(timeout=30)


def _keep_live(mirror: Path, warehouse: Path, settings: Settings, stop: threading.Event) -> None:
    """While the dashboard runs: publish each new 5-minute interval and ingest it."""
    from aemo_wh.demo.fixture import ingest_mirror

    while not stop.wait(30):
        try:
            if append_intervals(mirror):
                ingest_mirror(mirror, warehouse, settings, compact=False)
        except Exception:  # keep the dashboard up; the log has the details
            logger.exception("demo live refresh failed")


def _dashboard_server() -> Any:
    """`dashboard.cli.serve(settings, port)` if the dashboard is installed, else None."""
    if importlib.util.find_spec("dashboard") is None or importlib.util.find_spec("dashboard.cli") is None:
        return None
    import dashboard.cli as dash

    return getattr(dash, "serve", None)
