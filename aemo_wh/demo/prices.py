"""Regional prices (RRP) and interconnector marginal values for the simulator.

Each region first gets its own offer-stack price: a convex curve over the utilisation of its
flexible plant (hydro + gas), or, where wind and solar had to be curtailed, a price set by the
curtailed renewables' bids (near zero when little is curtailed, tens of dollars negative when
much is). Regions joined by links that are not at a limit then share one price (demand-weighted),
differing only by the links' marginal losses; a link at its limit splits the NEM into price
islands, the importing side at least a gap above the exporting side. Rare spikes (more likely on
tight evenings, heavy-tailed towards the market price cap) hit a whole island at once.
"""

from __future__ import annotations

import numpy as np

from aemo_wh.demo.network import LINKS, LOSS_AT_LIMIT, PAIRS, Limits, pair_links
from aemo_wh.demo.weather import REGIONS, ar1, rng_for

MARKET_PRICE_CAP = 20300.0
MARKET_FLOOR = -1000.0
BIND_TOL = 1e-6
SPIKE_RATE = 0.004  # spike probability per interval at the height of a tight evening
SPIKE_FLOOR = 300.0  # a spike's smallest price; its tail is Pareto-like towards the cap


# Measured (seed 1 summer / seed 3 spring fortnights): with 3, 70-84 % of curtailed MWh fall at
# prices below $20 and 7-22 % of mainland intervals are negative; with 1, 51-65 % and 6-18 %.
CURTAIL_WEIGHT = 3.0


def own_prices(util: np.ndarray, curtailed: np.ndarray, renewables: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """(n, regions) each region's offer-stack price before coupling.

    util: flex dispatch / flex capacity; curtailed: MW of wind and solar curtailed;
    renewables: wind + solar MW before curtailment (sets how deep into their bids curtailment goes).
    """
    u = np.clip(util, 0.0, 1.2)
    stack = 28.0 + 160.0 * u + 350.0 * u * u + 4000.0 * np.clip(u - 0.75, 0.0, None) ** 2 + 8.0 * noise
    depth = curtailed / np.maximum(renewables, 100.0)
    # Renewables bid from about +$10 (no certificates at stake) down to -$40 and, rarely, lower.
    bids = 15.0 - 160.0 * depth - 150.0 * np.clip(depth - 0.35, 0.0, None) + 5.0 * noise
    return np.where(curtailed > 0.5, np.maximum(bids, -400.0), stack)


def regional_prices(util: np.ndarray, curtailed: np.ndarray, renewables: np.ndarray, shortfall: np.ndarray,
                    demand: np.ndarray, metered: np.ndarray, limits: Limits, h: np.ndarray,
                    seed: int) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """RRP per region and MARGINALVALUE per link (non-zero only where the link is at a limit)."""
    n, k = util.shape
    noise = ar1(rng_for(seed, "price.noise"), n, k, tau_intervals=6)
    own = own_prices(util, curtailed, renewables, noise)
    own = np.where(shortfall > 0.5, MARKET_PRICE_CAP * 0.9, own)
    pair_flow, pair_bound, rel = _pair_state(metered, limits)
    # Basslink is a market network service: its flow is bid, so Tasmania keeps its own price.
    island = _islands(pair_bound | np.array([pair == ("TAS1", "VIC1") for pair in PAIRS]))
    weight = np.maximum(demand, 1.0)
    price = np.empty_like(own)
    # Within an island one price is set by the marginal offer: a member curtailing wind or solar
    # weighs CURTAIL_WEIGHT x its demand, so its bid mostly sets the island's price.
    w_all = weight * np.where(curtailed > 0.5, CURTAIL_WEIGHT, 1.0)
    for label in range(k):
        members = island == label
        w = w_all * members
        pooled = (w * own / rel).sum(axis=1) / np.maximum(w.sum(axis=1), 1e-9)
        price = np.where(members, pooled[:, None] * rel, price)
    # Spikes: rare, likelier on a tight evening, shared by the island of the region they start in.
    draw = rng_for(seed, "price.spike").uniform(size=(n, k + 1))
    evening = np.exp(-0.5 * (((h - 18.5 + 12.0) % 24.0 - 12.0) / 1.5) ** 2)
    rate = SPIKE_RATE * evening[:, None] * (0.3 + 4.0 * np.clip(util - 0.35, 0.0, None))
    size = np.minimum(SPIKE_FLOOR * np.power(np.maximum(draw[:, k], 1e-9), -0.9), MARKET_PRICE_CAP)
    for r in range(k):
        hit = (draw[:, r] < rate[:, r]) & (size > price[:, r])
        members = island == island[:, [r]]
        price = np.where(hit[:, None] & members, np.maximum(price, size[:, None]), price)
    # Separation: across a pair at its limit, the importer pays at least a gap over the exporter.
    for p, (a, b) in enumerate(PAIRS):
        ia, ib = REGIONS.index(a), REGIONS.index(b)
        bound = pair_bound[:, p]
        imp = np.where(pair_flow[:, p] > 0, ib, ia)
        exp_ = np.where(pair_flow[:, p] > 0, ia, ib)
        rows = np.arange(n)
        p_imp, p_exp = price[rows, imp], price[rows, exp_]
        gap = 8.0 + 0.15 * np.abs(p_exp) + 4.0 * np.abs(noise[:, 0])
        short = np.where(bound, np.clip(p_exp + gap - p_imp, 0.0, None), 0.0)
        up = island == island[rows, imp][:, None]
        down = island == island[rows, exp_][:, None]
        price = price + 0.5 * short[:, None] * up - 0.5 * short[:, None] * down
    price = np.clip(price, MARKET_FLOOR, MARKET_PRICE_CAP)
    marginal = np.zeros_like(metered)
    for j, lk in enumerate(LINKS):
        at_export = metered[:, j] >= limits.export[:, j] - BIND_TOL
        at_import = metered[:, j] <= limits.import_[:, j] + BIND_TOL
        diff = np.maximum(np.abs(price[:, REGIONS.index(lk.region_to)] - price[:, REGIONS.index(lk.region_from)]), 1.0)
        marginal[:, j] = np.where(at_export, diff, np.where(at_import, -diff, 0.0))
    return np.round(price, 5), np.round(marginal, 5)


def _pair_state(metered: np.ndarray, limits: Limits) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pair: flow (from -> to), at-limit flag; per region: price relative to NSW1 from losses."""
    n = metered.shape[0]
    flow = np.zeros((n, len(PAIRS)))
    bound = np.zeros((n, len(PAIRS)), dtype=bool)
    factor = np.ones((n, len(PAIRS)))  # price(to) / price(from) when the pair is unconstrained
    for p, pair in enumerate(PAIRS):
        idx = pair_links(pair)
        flow[:, p] = metered[:, idx].sum(axis=1)
        bound[:, p] = (flow[:, p] >= limits.export[:, idx].sum(axis=1) - BIND_TOL) | (
            flow[:, p] <= limits.import_[:, idx].sum(axis=1) + BIND_TOL
        )
        ref = sum(max(LINKS[i].export_mw, -LINKS[i].import_mw) for i in idx)
        factor[:, p] = 1.0 + 2.0 * LOSS_AT_LIMIT * flow[:, p] / ref
    rel = np.ones((n, len(REGIONS)))
    done = {"NSW1"}
    while len(done) < len(REGIONS):  # walk the tree out from NSW1
        for p, (a, b) in enumerate(PAIRS):
            ia, ib = REGIONS.index(a), REGIONS.index(b)
            if a in done and b not in done:
                rel[:, ib] = rel[:, ia] * factor[:, p]
                done.add(b)
            elif b in done and a not in done:
                rel[:, ia] = rel[:, ib] / factor[:, p]
                done.add(a)
    return flow, bound, rel


def _islands(bound: np.ndarray) -> np.ndarray:
    """(n, regions) label of each region's price island: regions joined by unconstrained pairs."""
    n = bound.shape[0]
    label = np.broadcast_to(np.arange(len(REGIONS)), (n, len(REGIONS))).copy()
    for p, (a, b) in enumerate(PAIRS):
        ia, ib = REGIONS.index(a), REGIONS.index(b)
        joined = ~bound[:, p]
        la, lb = label[:, ia], label[:, ib]
        label = np.where(joined[:, None] & (label == lb[:, None]), la[:, None], label)
    return label
