"""The simulator: deterministic per seed, extendable (live) without changing the past, balanced."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from aemo_wh.demo.mirror import append_intervals, build_mirror, load_units
from aemo_wh.demo.model import UNKNOWN_DUID, simulate
from aemo_wh.demo.network import LINKS
from aemo_wh.demo.weather import REGIONS

START = dt.datetime(2026, 1, 10)
END = dt.datetime(2026, 1, 11, 6, 0)


@pytest.fixture(scope="module")
def units():
    return load_units()


@pytest.fixture(scope="module")
def sim(units):
    return simulate(units, START, END, seed=5)


def test_same_seed_same_numbers_other_seed_other_numbers(units, sim) -> None:
    again = simulate(units, START, END, seed=5)
    other = simulate(units, START, END, seed=6)
    assert np.array_equal(sim.scada, again.scada) and np.array_equal(sim.price, again.price)
    assert not np.allclose(sim.scada, other.scada)


def test_longer_run_keeps_the_past(units, sim) -> None:
    longer = simulate(units, START, END + dt.timedelta(hours=3), seed=5)
    n = len(sim.times)
    assert np.array_equal(longer.scada[:n], sim.scada)
    assert np.array_equal(longer.metered[:n], sim.metered)
    assert np.array_equal(longer.price[:n], sim.price) and np.array_equal(longer.marginal[:n], sim.marginal)


def test_each_region_balances_and_flows_net_to_zero(sim) -> None:
    residual = sim.region_generation() + sim.net_import - sim.demand - sim.loss_share
    assert np.abs(residual).max() < 1e-6
    assert np.abs(sim.net_import.sum(axis=1)).max() < 1e-6
    assert (sim.loss_share.sum(axis=1) < 0.05 * sim.demand.sum(axis=1)).all()


def test_flows_respect_limits_and_sometimes_bind(sim) -> None:
    lim = sim.limits
    assert (sim.metered <= lim.export + 1e-6).all() and (sim.metered >= lim.import_ - 1e-6).all()
    assert (sim.target <= lim.export + 1e-6).all() and (sim.target >= lim.import_ - 1e-6).all()
    binding = (sim.metered >= lim.export - 1e-6) | (sim.metered <= lim.import_ + 1e-6)
    assert 0 < binding.mean() < 0.6
    # a binding link separates the prices of its two regions
    j = int(np.argmax(binding.sum(axis=0)))
    rows = binding[:, j]
    a, b = REGIONS.index(LINKS[j].region_from), REGIONS.index(LINKS[j].region_to)
    assert np.abs(sim.price[rows, a] - sim.price[rows, b]).mean() > np.abs(sim.price[~rows, a] - sim.price[~rows, b]).mean()


def test_shapes(sim) -> None:
    roles = sim.units["role"].to_numpy()
    h = (sim.times - sim.times.astype("datetime64[D]")).astype("timedelta64[m]").astype(int) / 60
    night, noon, evening = (h >= 1) & (h <= 3), (h >= 11) & (h <= 14), (h >= 18) & (h <= 20)
    solar = sim.scada[:, roles == "solar"]
    assert (solar[night] <= 0).all() and (solar[night] > -1).all()  # zero at night (small aux load)
    assert solar[noon].sum(axis=1).min() > 1000
    bdu = sim.scada[:, roles == "bdu"].sum(axis=1)
    assert bdu[noon].mean() < 0 < bdu[evening].mean()  # charge in the solar trough, discharge at peak
    gas = sim.scada[:, roles == "gas"].sum(axis=1)
    assert gas[evening].mean() > gas[noon].mean()
    assert (sim.price >= -1000).all() and (sim.price <= 20300).all()
    assert (sim.price < 0).any() and (sim.rooftop[night] == 0).all()
    unknown = sim.units["duid"].to_list().index(UNKNOWN_DUID)
    assert not sim.units["registered"][unknown]


def test_mirror_bytes_are_deterministic_and_live_appends(tmp_path: Path) -> None:
    end = dt.datetime(2026, 2, 1, 0, 30)
    a, b = tmp_path / "a", tmp_path / "b"
    build_mirror(a, days=1, seed=3, end=end)
    build_mirror(b, days=1, seed=3, end=end)
    files_a = sorted(p.relative_to(a) for p in a.rglob("*.zip"))
    assert files_a == sorted(p.relative_to(b) for p in b.rglob("*.zip"))
    for stream in ("DISPATCHSCADA", "DISPATCHIS", "TRADINGIS", "MEASUREMENT", "SATELLITE"):
        assert any(f"_{stream}_" in f.name for f in files_a), stream
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files_a)
    new = append_intervals(a, count=3)
    assert new == [end + dt.timedelta(minutes=5 * i) for i in (1, 2, 3)]
    last = sorted((a / "Reports/Current/Dispatch_SCADA").iterdir())[-1].name
    assert last.startswith("PUBLIC_DISPATCHSCADA_202602010045_")
    # appending until the next day rolls the finished day into a daily archive bundle
    append_intervals(a, until=dt.datetime(2026, 2, 2, 0, 5))
    assert (a / "Reports/Archive/Dispatch_SCADA/PUBLIC_DISPATCHSCADA_20260131.zip").is_file()
    assert not any(p.name.startswith("PUBLIC_DISPATCHSCADA_20260131") for p in (a / "Reports/Current/Dispatch_SCADA").iterdir())
