"""Demo fixtures: one small simulated warehouse per test session, built through the real HTTP path."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "demo"
SEED = 7
END = "2026-01-17T13:40"  # NEM time


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tmp folder with `mirror/` and `warehouse/` (1 day + the day of END, seed SEED), built once."""
    from aemo_wh.demo import build_demo_warehouse

    root = tmp_path_factory.mktemp("demo")
    # A fixed day, so the tests do not depend on the day they run: a 1.5-day window of some winter
    # days has no negative price or no binding interconnector (measured: 2026-06-11, 2026-08-19).
    # AEMO_WH_TEST_DEMO_END (ISO NEM time) moves it, to check these tests on other seasons.
    end = dt.datetime.fromisoformat(os.environ.get("AEMO_WH_TEST_DEMO_END", END))
    build_demo_warehouse(root, days=1, seed=SEED, end=end)
    return root


@pytest.fixture()
def demo_con(demo_root: Path):
    from aemo_wh.warehouse.reader import connect_raw

    con = connect_raw(demo_root / "warehouse")
    yield con
    con.close()
