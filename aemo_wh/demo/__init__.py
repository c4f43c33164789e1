"""Simulated NEMWeb mirror for `make demo` and for tests (`build_demo_warehouse`)."""

from aemo_wh.demo.fixture import build_demo_warehouse, ingest_mirror
from aemo_wh.demo.mirror import DEFAULT_SEED, MirrorMeta, append_intervals, build_mirror

__all__ = ["DEFAULT_SEED", "MirrorMeta", "append_intervals", "build_demo_warehouse", "build_mirror", "ingest_mirror"]
