"""Demo fixtures: one small simulated warehouse per test session, built through the real HTTP path."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "demo"
SEED = 7


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tmp folder with `mirror/` and `warehouse/` (1 day + today, seed SEED), built once."""
    from aemo_wh.demo import build_demo_warehouse

    root = tmp_path_factory.mktemp("demo")
    build_demo_warehouse(root, days=1, seed=SEED)
    return root


@pytest.fixture()
def demo_con(demo_root: Path):
    from aemo_wh.warehouse.reader import connect_raw

    con = connect_raw(demo_root / "warehouse")
    yield con
    con.close()
