"""The NEM interconnectors for the simulator: the region tree, limits, losses, flow split.

The five regions form a tree (QLD - NSW - VIC - SA, VIC - TAS), so regional surpluses fix the
flow on each region pair. A pair may have two parallel links (QNI + Directlink, Heywood +
Murraylink); the pair's limits are the sums of its links' limits. Positive flow runs
FROM -> TO of the link, as in AEMO's INTERCONNECTOR table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aemo_wh.demo.weather import ar1, rng_for


@dataclass(frozen=True)
class Link:
    interconnector_id: str
    region_from: str
    region_to: str
    export_mw: float  # typical EXPORTLIMIT (flow from -> to)
    import_mw: float  # typical IMPORTLIMIT (negative: flow to -> from)
    share: float  # share of its pair's flow this link takes when the pair has two links
    export_con: str  # EXPORTGENCONID / IMPORTGENCONID written when the limit binds
    import_con: str


LINKS = (
    Link("N-Q-MNSP1", "NSW1", "QLD1", 110.0, -170.0, 0.12, "N>Q-NIL_757_758", "QNTE_ROC"),
    Link("NSW1-QLD1", "NSW1", "QLD1", 700.0, -1150.0, 0.88, "N::Q_NIL_KC", "Q^^N_NIL_SRAR"),
    Link("T-V-MNSP1", "TAS1", "VIC1", 478.0, -478.0, 1.0, "T_V_NIL_BL1", "V::N_NIL_O2"),
    Link("V-S-MNSP1", "VIC1", "SA1", 220.0, -200.0, 0.25, "V::N_NIL_O2", "SVML^NIL_MH-CAP_ON"),
    Link("V-SA", "VIC1", "SA1", 600.0, -550.0, 0.75, "V::N_NIL_O2", "V^^V_NIL_KGTS_2"),
    Link("VIC1-NSW1", "VIC1", "NSW1", 1350.0, -750.0, 1.0, "V::N_NIL_O2", "N^^V_NIL_ARWBBA"),
)
# Region pairs in INTERCONNECTION order (as AEMO writes them; Basslink has no pair row).
PAIRS = (("NSW1", "QLD1"), ("VIC1", "NSW1"), ("VIC1", "SA1"), ("TAS1", "VIC1"))
LOSS_AT_LIMIT = 0.03  # share of the flow lost when a link runs at its typical limit


@dataclass
class Limits:
    export: np.ndarray  # (n, links) EXPORTLIMIT, >= 0 mostly
    import_: np.ndarray  # (n, links) IMPORTLIMIT, <= 0 mostly


def simulate_limits(n: int, seed: int) -> Limits:
    """Limits that wander around the typical values (constraints, outages), never crossing."""
    k = len(LINKS)
    wander = ar1(rng_for(seed, "limits.wander"), n, 2 * k, tau_intervals=36)
    base_e = np.array([lk.export_mw for lk in LINKS])
    base_i = np.array([lk.import_mw for lk in LINKS])
    export = base_e[None, :] * (1.0 + 0.12 * np.tanh(wander[:, :k]))
    import_ = base_i[None, :] * (1.0 + 0.12 * np.tanh(wander[:, k:]))
    return Limits(export=np.round(export, 5), import_=np.round(import_, 5))


def pair_links(pair: tuple[str, str]) -> list[int]:
    """Indices into LINKS of the links between the two regions of `pair` (from, to)."""
    return [i for i, lk in enumerate(LINKS) if (lk.region_from, lk.region_to) == pair]


def split_pair_flow(flow: np.ndarray, idx: list[int], limits: Limits) -> np.ndarray:
    """Split a pair's flow (within the pair's summed limits) across its links, each within its own."""
    out = np.zeros((len(flow), len(idx)))
    if len(idx) == 1:
        out[:, 0] = flow
        return out
    minor, major = sorted(idx, key=lambda i: LINKS[i].share)
    lo_m, hi_m = limits.import_[:, minor], limits.export[:, minor]
    lo_M, hi_M = limits.import_[:, major], limits.export[:, major]
    f_minor = np.clip(flow * LINKS[minor].share, lo_m, hi_m)
    f_major = np.clip(flow - f_minor, lo_M, hi_M)
    f_minor = flow - f_major
    order = [minor, major]
    for j, i in enumerate(idx):
        out[:, j] = f_minor if i == order[0] else f_major
    return out


def losses(flow: np.ndarray) -> np.ndarray:
    """MWLOSSES per link: quadratic in flow, LOSS_AT_LIMIT of the flow at the typical limit."""
    ref = np.array([max(lk.export_mw, -lk.import_mw) for lk in LINKS])
    return LOSS_AT_LIMIT * flow * flow / ref[None, :]
