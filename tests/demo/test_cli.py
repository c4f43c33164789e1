"""`aemo-wh demo build | live` through the real CLI, and `demo up`'s build-or-catch-up decision."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from aemo_wh.cli import main
from aemo_wh.demo.cli import prepare_mirror
from aemo_wh.demo.mirror import META, MIRROR_STREAMS, MirrorMeta, build_mirror


def test_build_then_live_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m"
    assert main(["demo", "build", "--days", "1", "--seed", "9", "--out", str(out)]) == 0
    meta = MirrorMeta.read(out)
    assert meta.seed == 9 and meta.days == 1 and meta.publisher == "AEMO_WH_DEMO"
    assert any((out / "Reports/Current/Dispatch_SCADA").iterdir())
    assert main(["demo", "live", "--dir", str(out), "--interval-s", "0.01", "--count", "2"]) == 0
    assert MirrorMeta.read(out).end_ts == meta.end_ts + dt.timedelta(minutes=10)
    assert capsys.readouterr().out.count("published interval") == 2


def test_serve_and_live_refuse_a_folder_that_is_not_a_mirror(tmp_path: Path, capsys) -> None:
    assert main(["demo", "live", "--dir", str(tmp_path), "--count", "1"]) == 2
    assert "no demo mirror" in capsys.readouterr().err


def test_up_catches_up_a_fresh_mirror_and_rebuilds_a_stale_one(tmp_path: Path) -> None:
    mirror, warehouse = tmp_path / "mirror", tmp_path / "warehouse"
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=10))).replace(tzinfo=None)
    build_mirror(mirror, days=1, seed=4, end=now - dt.timedelta(minutes=30))
    warehouse.mkdir()
    (warehouse / "keep").write_text("x")
    assert prepare_mirror(mirror, warehouse, days=1, seed=4).startswith("caught up")
    assert (warehouse / "keep").exists()  # catching up keeps the demo warehouse
    meta = json.loads((mirror / META).read_text())
    meta["end"] = (now - dt.timedelta(days=3)).replace(microsecond=0).isoformat()
    (mirror / META).write_text(json.dumps(meta))
    assert prepare_mirror(mirror, warehouse, days=1, seed=4) == "built"
    assert not warehouse.exists()  # a rebuilt mirror starts a fresh demo warehouse


def test_up_rebuilds_a_mirror_built_before_tradingis_and_satellite(tmp_path: Path) -> None:
    """A fresh mirror from older code (no `streams` in its metadata) lacks the TradingIS and
    SATELLITE history, so `demo up` rebuilds it instead of catching it up."""
    mirror, warehouse = tmp_path / "mirror", tmp_path / "warehouse"
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=10))).replace(tzinfo=None)
    build_mirror(mirror, days=1, seed=4, end=now - dt.timedelta(minutes=30))
    meta = json.loads((mirror / META).read_text())
    assert meta.pop("streams") == MIRROR_STREAMS
    (mirror / META).write_text(json.dumps(meta))
    warehouse.mkdir()
    assert prepare_mirror(mirror, warehouse, days=1, seed=4) == "built"
    assert MirrorMeta.read(mirror).streams == MIRROR_STREAMS and not warehouse.exists()
