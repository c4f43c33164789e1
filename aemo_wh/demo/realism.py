"""Market realism statistics of a simulation: negative-price share, link binding, price spread.

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
    return 0


if __name__ == "__main__":
    sys.exit(main())
