"""Build a small demo warehouse the ordinary way: simulated mirror -> loopback HTTP -> ingest.

For tests of other areas (dashboard, email, views) that need days of consecutive data::

    from aemo_wh.demo import build_demo_warehouse
    wh = build_demo_warehouse(tmp_path, days=1)      # returns the warehouse folder

Nothing is mocked: the mirror is served by `aemo_wh.nemweb.server.NemwebServer` on 127.0.0.1 and
landed by `aemo_wh.ingest.run.run_ingest(include_archive=True)`, exactly like `make demo`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from aemo_wh.config import Settings, load_settings
from aemo_wh.demo.mirror import DEFAULT_SEED, MirrorMeta, build_mirror

# Fixtures keep only the last hour in Current: each Current file is its own publish (with fsyncs),
# an Archive bundle is one publish per day, so this is several times faster to land.
FIXTURE_CURRENT_INTERVALS = 12
# The ingest sources the simulator publishes (rooftop_pv: MEASUREMENT and SATELLITE files).
MIRROR_SOURCES = ("dispatch_scada", "dispatch_is", "trading_is", "rooftop_pv")


@dataclass
class DemoLoad:
    """What `ingest_mirror` did."""

    warehouse: Path
    files_loaded: int
    rows: dict[str, int]
    quarantined: list[tuple[str, str]]
    errors: list[str]


def demo_settings(base: Settings, warehouse: Path, base_url: str) -> Settings:
    """`base` pointed at the demo warehouse and the mirror's URL (or folder)."""
    return base.with_overrides(paths={"warehouse": warehouse}, nemweb={"base_url": base_url})


def ingest_mirror(mirror: Path, warehouse: Path, settings: Settings | None = None, compact: bool = True) -> DemoLoad:
    """Serve `mirror` on a free loopback port, run one ingest pass (with archives), then compact."""
    from aemo_wh.ingest.run import run_ingest
    from aemo_wh.nemweb.server import NemwebServer
    from aemo_wh.warehouse import Warehouse, compaction

    base = settings or load_settings()
    with NemwebServer(mirror) as srv:
        s = demo_settings(base, warehouse, srv.url)
        report = run_ingest(s, sources=MIRROR_SOURCES, include_archive=True)
    if compact:
        wh = Warehouse(warehouse, grace_hours=base.warehouse.grace_hours)
        with wh.writer() as w:
            compaction.compact(w)
    return DemoLoad(warehouse, report.files_loaded, dict(report.rows), report.quarantined, report.errors)


def build_demo_warehouse(tmp_dir: Path | str, days: int = 1, seed: int = DEFAULT_SEED,
                         end: dt.datetime | None = None, settings: Settings | None = None) -> Path:  # fmt: skip
    """Mirror + warehouse under `tmp_dir` (`mirror/`, `warehouse/`); returns the warehouse path.

    `days` whole days before `end`'s day plus that day up to `end` (default: now, NEM time).
    Raises RuntimeError if any file failed to land.
    """
    tmp = Path(tmp_dir)
    mirror, warehouse = tmp / "mirror", tmp / "warehouse"
    build_mirror(mirror, days=days, seed=seed, end=end, current_intervals=FIXTURE_CURRENT_INTERVALS)
    load = ingest_mirror(mirror, warehouse, settings)
    if load.quarantined or load.errors or not load.files_loaded:
        raise RuntimeError(f"demo ingest failed: quarantined={load.quarantined} errors={load.errors}")
    return warehouse


def mirror_meta(tmp_dir: Path | str) -> MirrorMeta:
    """The metadata of the mirror `build_demo_warehouse` made under `tmp_dir`."""
    return MirrorMeta.read(Path(tmp_dir) / "mirror")
