"""Market realism statistics of a simulation: negative-price share, link binding, price spread,
and the smoothness of the battery fleet, utility solar, demand and each fuel's NEM fleet.

Measured straight from `aemo_wh.demo.model.simulate` output (no files, no ingest), so a test can
hold the simulator's market to loose realistic bounds and `python -m aemo_wh.demo.realism` can
print the table for a 14-day window.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

import numpy as np

from aemo_wh.demo.model import Simulation
from aemo_wh.demo.network import LINKS
from aemo_wh.demo.weather import REGIONS, hours_of_day

BIND_TOL = 1e-6


def binding_mask(sim: Simulation) -> np.ndarray:
    """(n, links) True where the metered flow sits at its export or import limit."""
    lim = sim.limits
    return (sim.metered >= lim.export - BIND_TOL) | (sim.metered <= lim.import_ + BIND_TOL)


def market_stats(sim: Simulation) -> dict[str, dict[str, float]]:
    """Per region: negative share (all / midday 10-15 h), price percentiles, day and evening means,
    intervals over $300 / $1,000 / $10,000; per link: binding share. Keys are region or link ids."""
    h = hours_of_day(sim.times)
    midday = (h >= 10) & (h < 15)
    day = (h >= 8) & (h < 17)
    evening = (h >= 17) & (h < 21)
    out: dict[str, dict[str, float]] = {}
    for r, region in enumerate(REGIONS):
        p = sim.price[:, r]
        out[region] = {
            "neg": float((p < 0).mean()),
            "neg_midday": float((p[midday] < 0).mean()) if midday.any() else 0.0,
            "p05": float(np.percentile(p, 5)),
            "p50": float(np.percentile(p, 50)),
            "p95": float(np.percentile(p, 95)),
            "day_median": float(np.median(p[day])) if day.any() else 0.0,
            "evening_median": float(np.median(p[evening])) if evening.any() else 0.0,
            "max": float(p.max()),
            "over_300": int((p > 300).sum()),
            "over_1000": int((p > 1000).sum()),
            "over_10000": int((p > 10000).sum()),
        }
    bind = binding_mask(sim)
    for j, lk in enumerate(LINKS):
        out[lk.interconnector_id] = {"binding": float(bind[:, j].mean())}
    return out


def battery_fleet(sim: Simulation) -> tuple[np.ndarray, float]:
    """(n,) NEM battery fleet MW (discharge +, charging loads -) and the fleet's power capacity."""
    roles = sim.units["role"].to_numpy()
    cap = sim.units["capacity_mw"].to_numpy()
    sign = np.where(roles == "bat_load", -1.0, 1.0)
    fleet = (sim.scada * sign * np.isin(roles, ["bdu", "bat_gen", "bat_load"])).sum(axis=1)
    return fleet, float(cap[np.isin(roles, ["bdu", "bat_gen"])].sum())


STEP_FUELS = ("gas", "hydro", "wind", "solar", "coal")


def fuel_steps(sim: Simulation) -> dict[str, tuple[float, float]]:
    """Per fuel role: (largest |change| of its NEM-wide MW between two intervals, fleet capacity MW)."""
    roles = sim.units["role"].to_numpy()
    cap = sim.units["capacity_mw"].to_numpy()
    out = {}
    for fuel in STEP_FUELS:
        m = roles == fuel
        total = sim.scada[:, m].sum(axis=1)
        step = float(np.abs(np.diff(total)).max()) if len(total) > 1 else 0.0
        out[fuel] = (step, float(cap[m].sum()))
    return out


def full_days(sim: Simulation) -> np.ndarray:
    """(n,) NEM day of each interval end (the interval ending 00:00 belongs to the day before);
    NaT where that day is not complete in the simulation."""
    day = (sim.times - np.timedelta64(300, "s")).astype("datetime64[D]")
    days, counts = np.unique(day, return_counts=True)
    whole = set(days[counts == 288].tolist())
    return np.where([d in whole for d in day.tolist()], day, np.datetime64("NaT"))


def smoothness_stats(sim: Simulation) -> dict[str, float]:
    """Battery ramps and round trip, utility-solar peak time, demand steps at weekend midnights.

    max_fleet_step: largest |change| of the fleet MW between intervals, share of fleet capacity;
    charge_h / discharge_h: capacity-hours a day charged / discharged (complete days only);
    round_trip_min / max: the range of daily discharged / charged; solar_peak_h: median hour of the
    NEM utility-solar maximum (1 h mean) over complete days; weekend_step: largest |change| of NEM
    total demand within 2 h of a Friday -> Saturday or Sunday -> Monday midnight; demand_p99_step:
    the 99th percentile of that change over all intervals; step_<fuel>_mw / cap_<fuel>_mw: see
    `fuel_steps`.
    """
    fleet, fleet_cap = battery_fleet(sim)
    day = full_days(sim)
    ok = ~np.isnat(day)
    out: dict[str, float] = {"fleet_cap_mw": fleet_cap}
    out["max_fleet_step"] = float(np.abs(np.diff(fleet)).max() / fleet_cap) if len(fleet) > 1 else 0.0
    ratios = []
    charged = discharged = 0.0
    for d in np.unique(day[ok]):
        m = day == d
        c, e = float(-np.clip(fleet[m], None, 0).sum()), float(np.clip(fleet[m], 0, None).sum())
        charged, discharged = charged + c, discharged + e
        ratios.append(e / c if c > 0 else np.inf)
    ndays = max(len(ratios), 1)
    out["charge_h"] = charged / 12.0 / fleet_cap / ndays
    out["discharge_h"] = discharged / 12.0 / fleet_cap / ndays
    out["round_trip_min"] = float(min(ratios)) if ratios else 0.0
    out["round_trip_max"] = float(max(ratios)) if ratios else 0.0
    roles = sim.units["role"].to_numpy()
    solar = np.convolve(sim.scada[:, roles == "solar"].sum(axis=1), np.ones(12) / 12.0, mode="same")
    h = hours_of_day(sim.times - np.timedelta64(150, "s"))
    peaks = [h[day == d][np.argmax(solar[day == d])] for d in np.unique(day[ok])]
    out["solar_peak_h"] = float(np.median(peaks)) if peaks else float("nan")
    step = np.abs(np.diff(sim.demand.sum(axis=1)))
    dow = (sim.times.astype("datetime64[D]").astype(np.int64) + 3) % 7  # 0 = Monday
    mins = (sim.times - sim.times.astype("datetime64[D]")).astype(np.int64) / 60.0
    near = ((dow == 5) | (dow == 0)) & (mins <= 120) | ((dow == 4) | (dow == 6)) & (mins >= 22 * 60)
    out["weekend_step"] = float(step[near[1:]].max()) if near[1:].any() else 0.0
    out["demand_p99_step"] = float(np.percentile(step, 99)) if len(step) else 0.0
    for fuel, (mw, cap) in fuel_steps(sim).items():
        out[f"step_{fuel}_mw"], out[f"cap_{fuel}_mw"] = mw, cap
    return out


def format_smoothness(s: dict[str, float]) -> str:
    """The smoothness figures as plain text."""
    return "\n".join([
        f"battery fleet {s['fleet_cap_mw']:.0f} MW: max step {s['max_fleet_step']:.1%} of capacity per interval; "
        f"charged {s['charge_h']:.2f} / discharged {s['discharge_h']:.2f} capacity-hours a day "
        f"(daily round trip {s['round_trip_min']:.2f}-{s['round_trip_max']:.2f})",
        f"utility solar peaks at {s['solar_peak_h']:.2f} h (median day, NEM time)",
        f"NEM demand step: max {s['weekend_step']:.0f} MW within 2 h of a weekend midnight; "
        f"p99 {s['demand_p99_step']:.0f} MW over all intervals",
        "max NEM step per interval: " + "; ".join(
            f"{fuel} {s[f'step_{fuel}_mw']:,.0f} MW ({s[f'step_{fuel}_mw'] / max(s[f'cap_{fuel}_mw'], 1.0):.1%} "
            f"of {s[f'cap_{fuel}_mw']:,.0f})" for fuel in STEP_FUELS),
    ])  # fmt: skip


def format_stats(stats: dict[str, dict[str, float]]) -> str:
    """The statistics as a plain-text table (regions, then links)."""
    cols = ("neg", "neg_midday", "p05", "p50", "p95", "day_median", "evening_median", "max",
            "over_300", "over_1000", "over_10000")  # fmt: skip
    lines = [f"{'region':<8}" + "".join(f"{c:>15}" for c in cols)]
    for region in REGIONS:
        s = stats[region]
        cells = [f"{s[c]:>15.1%}" if c.startswith("neg") else f"{s[c]:>15.0f}" for c in cols]
        lines.append(f"{region:<8}" + "".join(cells))
    lines.append("")
    lines.append(f"{'link':<12}{'binding':>10}")
    for lk in LINKS:
        lines.append(f"{lk.interconnector_id:<12}{stats[lk.interconnector_id]['binding']:>10.1%}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from aemo_wh.demo.mirror import load_units
    from aemo_wh.demo.model import simulate

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", default="2026-01-05", help="first day (NEM time), YYYY-MM-DD")
    args = ap.parse_args(argv)
    start = dt.datetime.fromisoformat(args.start)
    sim = simulate(load_units(), start, start + dt.timedelta(days=args.days), seed=args.seed)
    print(format_stats(market_stats(sim)))
    print()
    print(format_smoothness(smoothness_stats(sim)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
