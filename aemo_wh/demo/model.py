"""The NEM simulator: unit SCADA, regional demand, interconnector flows and prices.

Units are the real DUIDs of the registry (region, fuel class, capacity); only MW is invented.
Each interval is balanced per region by construction:

    sum(unit MW, loads negative) + metered net import = DEMAND_AND_NONSCHEDGEN + allocated link losses

and TOTALDEMAND is that less the non-scheduled units' MW, as AEMO counts it (registry demand_class).

How: weather drives solar, wind and rooftop PV (rooftop lowers TOTALDEMAND, the operational
demand); coal follows smoothed net demand with ramp limits and random outages; batteries and
pumps follow the solar trough / evening peak; the rest of the NEM's need is covered by "flex"
(hydro then gas in merit order): each region first covers its own need, then part of the NEM
remainder moves between regions (a shortage in full, an oversupply only by half: the rest is
curtailed where it arises); the resulting regional surpluses fix the flows on the region tree,
which are clipped to the links' limits, and each region's flex then covers exactly what its own
balance still needs (curtailing wind and solar when it would go below must-run). Prices
(`prices.py`) follow flex utilisation or the depth of curtailment, are shared across
unconstrained links, separate when a link binds and spike rarely.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from aemo_wh.demo.network import LINKS, Limits, losses, pair_links, simulate_limits, split_pair_flow
from aemo_wh.demo.prices import regional_prices
from aemo_wh.demo.weather import (
    CLEAR_MEAN,
    REGIONS,
    ar1,
    clear_sky_sun,
    expected_demand,
    hours_of_day,
    midnight_blend,
    rng_for,
    rooftop_pv,
    simulate_weather,
)
from aemo_wh.registry.demand_class import demand_class

UNKNOWN_DUID = "XNEWSF1"  # a new solar farm the registry does not know yet (unknown-DUID alert)
UNKNOWN_CAPACITY_MW = 30.0
FLEX_MIN_SHARE = 0.06  # must-run share of hydro + gas capacity
BATTERY_DEPTH = 0.5  # least share of capacity a battery discharges at the evening peak (+ up to 0.4)
BATTERY_ROUND_TRIP = 0.85  # energy discharged / energy charged
DISCHARGE_QUANTILE = 0.75  # batteries discharge while the day's net-demand forecast is above this quantile
CHARGE_QUANTILE = 0.3  # ... and charge while it is below this one
COAL_MIN_LOAD = 0.35  # share of capacity below which a committed coal unit cannot go
COAL_DAYS_UP, COAL_DAYS_DOWN = 20.0, 3.0  # mean days between outages / mean outage length
FLEX_POOLING = 0.15  # share of flex dispatched NEM-wide by capacity (economic transfers)
CURTAIL_SPREAD = 0.1  # share of an oversupply curtailed NEM-wide rather than where it arises
ROOM_SHARE = 0.5  # share of a regional oversupply other regions' flex may absorb
SOLAR_PEAK = 0.78  # utility solar output under a clear high sun, share of capacity
SUNRISE_SUN = 0.15  # cos zenith (~9 degrees up) by which a region's solar farms are fully lit
# Registered as generators but really interconnector metering (Basslink): their MW is a flow,
# already in DISPATCHINTERCONNECTORRES, so the simulator does not invent output for them.
NOT_UNITS = frozenset({"BLNKTAS", "BLNKVIC"})

ROLE_OF_FUEL = {
    "Coal": "coal", "Gas": "gas", "Hydro": "hydro", "Wind": "wind", "Solar": "solar",
    "Battery": "bat_gen", "Bioenergy": "steady", "Other": "steady", "Distillate": "peaker",
}  # fmt: skip


def unit_role(fuel_class: str | None, dispatch_type: str | None) -> str | None:
    """How the simulator drives a unit, from its registry fuel class and dispatch type."""
    fuel = fuel_class or "Other"
    kind = (dispatch_type or "generator").lower()
    if kind.startswith("bidirectional"):
        return "bdu"
    if kind.startswith("load"):
        if fuel in ("Battery", "Battery Charging"):
            return "bat_load"
        if fuel in ("Hydro", "Pumps"):
            return "pump"
        return "load_other"
    if fuel == "Battery Charging":
        return "bat_load"
    if fuel == "Pumps":
        return "pump"
    return ROLE_OF_FUEL.get(fuel)


def prepare_units(duid_info: pl.DataFrame) -> pl.DataFrame:
    """The simulated fleet: registry units with a role and a capacity, plus the one unknown DUID."""
    cap = pl.coalesce(
        pl.when(pl.col("registered_capacity_mw") > 0).then(pl.col("registered_capacity_mw")),
        pl.when(pl.col("max_capacity_mw") > 0).then(pl.col("max_capacity_mw")),
    )
    df = (
        duid_info.with_columns(
            classification=pl.col("classification") if "classification" in duid_info.columns else pl.lit(None, pl.String)
        )
        .with_columns(
            storage_mwh=pl.col("storage_mwh") if "storage_mwh" in duid_info.columns else pl.lit(None, pl.Float64)
        )
        .select("duid", "region_id", "fuel_class", "dispatch_type", "registered_capacity_mw", "max_capacity_mw",
                "classification", "storage_mwh")  # fmt: skip
        .with_columns(
            capacity_mw=cap.clip(upper_bound=3000.0),
            role=pl.struct("fuel_class", "dispatch_type").map_elements(
                lambda s: unit_role(s["fuel_class"], s["dispatch_type"]), return_dtype=pl.String
            ),
            scheduled=pl.struct("classification", "dispatch_type", "registered_capacity_mw").map_elements(
                lambda s: demand_class(s["classification"], s["dispatch_type"], s["registered_capacity_mw"])
                == "scheduled",
                return_dtype=pl.Boolean,
            ),
        )
        .filter(
            pl.col("region_id").is_in(list(REGIONS))
            & pl.col("role").is_not_null()
            & (pl.col("capacity_mw") > 0)
            & pl.col("duid").is_not_null()
            & ~pl.col("duid").is_in(list(NOT_UNITS))
        )
        .unique("duid", keep="first")
        .with_columns(  # a battery the list gives no storage for: two hours at its capacity
            storage_mwh=pl.when(pl.col("role").is_in(["bdu", "bat_gen", "bat_load"]))
            .then(pl.coalesce(pl.when(pl.col("storage_mwh") > 0).then(pl.col("storage_mwh")), 2 * pl.col("capacity_mw")))
        )
        .select("duid", "region_id", "role", "capacity_mw", "scheduled", "storage_mwh")
        .with_columns(registered=pl.lit(True))
    )
    if df.height == 0:
        raise ValueError("the registry has no units the simulator can drive")
    if UNKNOWN_DUID in set(duid_info["duid"].to_list()):
        raise ValueError(f"{UNKNOWN_DUID} is in the registry; pick another unknown DUID")
    extra = pl.DataFrame(
        {"duid": [UNKNOWN_DUID], "region_id": ["NSW1"], "role": ["solar"],
         "capacity_mw": [UNKNOWN_CAPACITY_MW], "scheduled": [False], "storage_mwh": [None], "registered": [False]},
        schema_overrides={"storage_mwh": pl.Float64},
    )  # fmt: skip
    return pl.concat([df, extra]).sort("duid")


@dataclass
class Simulation:
    """Everything the writers need, as arrays over (interval, unit | region | link)."""

    times: np.ndarray  # (n,) datetime64[s] interval ends, NEM time
    units: pl.DataFrame  # duid, region_id, role, capacity_mw, scheduled, registered
    scada: np.ndarray  # (n, units) MW; loads positive consumption, BDUs signed
    demand: np.ndarray  # (n, regions) what every registered unit + net import meets (DEMAND_AND_NONSCHEDGEN)
    rooftop: np.ndarray  # (n, regions) rooftop PV MW at each interval end
    price: np.ndarray  # (n, regions) RRP
    metered: np.ndarray  # (n, links) METEREDMWFLOW
    target: np.ndarray  # (n, links) MWFLOW
    mwlosses: np.ndarray  # (n, links)
    limits: Limits
    marginal: np.ndarray  # (n, links) MARGINALVALUE ($/MWh, non-zero when binding)
    loss_share: np.ndarray  # (n, regions) losses allocated to the region
    available: np.ndarray  # (n, regions) AVAILABLEGENERATION
    dispatchable_gen: np.ndarray  # (n, regions) scheduled generation (flex + coal)
    dispatchable_load: np.ndarray  # (n, regions) load consumption incl. battery charging
    nonscheduled: np.ndarray  # (n, regions) MW of non-scheduled units: TOTALDEMAND = demand - this
    intermittent: np.ndarray  # (n, regions) wind + solar
    # Semi-scheduled wind and solar, (n, regions, 2) with [..., 0] solar and [..., 1] wind: what the
    # units could have run (UIGF: their output before curtailment) and what they were dispatched.
    ss_available: np.ndarray | None = None
    ss_cleared: np.ndarray | None = None
    # Bidirectional units per region, (n, regions) each, NaN where a region has none: stored MWh at
    # the interval's end and start, discharge and charge MW, and the MW available each way.
    bdu: dict[str, np.ndarray] = field(default_factory=dict)
    extras: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def net_import(self) -> np.ndarray:
        """(n, regions) metered net import per region (+ into the region)."""
        out = np.zeros((len(self.times), len(REGIONS)))
        for j, lk in enumerate(LINKS):
            out[:, REGIONS.index(lk.region_to)] += self.metered[:, j]
            out[:, REGIONS.index(lk.region_from)] -= self.metered[:, j]
        return out

    def region_generation(self, registered_only: bool = True) -> np.ndarray:
        """(n, regions) sum of unit MW per region, loads counted negative."""
        roles = self.units["role"].to_numpy()
        sign = np.where(np.isin(roles, ["bat_load", "pump", "load_other"]), -1.0, 1.0)
        keep = self.units["registered"].to_numpy() if registered_only else np.ones(len(roles), bool)
        ri = region_index(self.units)
        out = np.zeros((len(self.times), len(REGIONS)))
        for r in range(len(REGIONS)):
            m = (ri == r) & keep
            out[:, r] = (self.scada[:, m] * sign[m]).sum(axis=1)
        return out


def region_index(units: pl.DataFrame) -> np.ndarray:
    return np.array([REGIONS.index(r) for r in units["region_id"].to_list()])


def interval_times(start: dt.datetime, end: dt.datetime) -> np.ndarray:
    """Interval ends after `start` up to and including `end` (5-minute steps, NEM time)."""
    first = np.datetime64(start, "s") + np.timedelta64(300, "s")
    return np.arange(first, np.datetime64(end, "s") + np.timedelta64(1, "s"), np.timedelta64(300, "s"))


def simulate(units: pl.DataFrame, start: dt.datetime, end: dt.datetime, seed: int) -> Simulation:
    """Simulate every interval ending in (start, end]; deterministic for (units, start, seed)."""
    times = interval_times(start, end)
    n, k = len(times), units.height
    w = simulate_weather(times, seed)
    ri = region_index(units)
    roles = units["role"].to_numpy()
    cap = units["capacity_mw"].to_numpy().astype(float)
    h = hours_of_day(times)
    day = ((times.astype("datetime64[D]") - np.datetime64(start.date(), "D")).astype(np.int64)).clip(0)
    ndays = int(day.max()) + 1 if n else 1
    unit_rng = rng_for(seed, "units.static")
    merit = unit_rng.uniform(size=k)  # fixed per unit: order within a fleet
    aux = np.where(unit_rng.uniform(size=k) < 0.3, unit_rng.uniform(0.05, 0.5, size=k), 0.0)
    noise = ar1(rng_for(seed, "units.noise"), n, k, tau_intervals=8)
    out = np.zeros((n, k))

    def is_(role: str) -> np.ndarray:
        return roles == role

    # Utility solar (single-axis trackers: flatter than rooftop), tiny auxiliary load at night.
    m = is_("solar")
    sun_u = tracker_sun(w.sun[:, ri[m]]) * w.clear[:, ri[m]]
    out[:, m] = np.clip(cap[m] * SOLAR_PEAK * sun_u * (1.0 + 0.04 * noise[:, m]), 0.0, cap[m])
    out[:, m] = np.where(w.sun[:, ri[m]] > 0, out[:, m], -aux[m])
    # Wind: regional index plus a local gusty component.
    m = is_("wind")
    local = ar1(rng_for(seed, "wind.unit"), n, int(m.sum()), tau_intervals=10)
    x = 1.15 * w.wind[:, ri[m]] + 0.45 * local - 0.55
    out[:, m] = cap[m] * 0.93 / (1.0 + np.exp(-1.6 * x))
    # Steady plant (bioenergy, other): around half capacity.
    m = is_("steady")
    out[:, m] = cap[m] * np.clip(0.5 + 0.08 * noise[:, m], 0.0, 1.0)
    # Batteries follow the day's deterministic net-demand forecast of their region: they charge in
    # its trough and discharge at its peak, at a depth that varies by day (eased across midnight).
    draws = rng_for(seed, "units.daily").uniform(size=(ndays + 1, k))  # time-major: a longer run keeps the prefix
    daily = draws[day]
    day0 = np.datetime64(start.date(), "D")
    depth = midnight_blend(times, lambda d: BATTERY_DEPTH + 0.4 * draws[(d - day0).astype(np.int64).clip(0, ndays)])
    plan = battery_plan(times, units)[:, ri]
    for role, sign_c, sign_d in (("bdu", 1.0, 1.0), ("bat_gen", 0.0, 1.0), ("bat_load", -1.0, 0.0)):
        m = is_(role)
        signed = np.where(plan[:, m] < 0, sign_c, sign_d) * plan[:, m]
        out[:, m] = cap[m] * depth[:, m] * signed * (1.0 + 0.04 * noise[:, m])
    m = is_("pump")  # pumped hydro pumps through the middle of sunny days, most days
    out[:, m] = cap[m] * 0.7 * _bump(h, 12.5, 2.0)[:, None] * (daily[:, m] < 0.65) * np.clip(w.clear[:, ri[m]], 0, 1)
    m = is_("load_other")
    out[:, m] = cap[m] * np.clip(0.3 + 0.05 * noise[:, m], 0.0, 1.0)

    demand = np.round(w.underlying - w.rooftop, 2)
    flex_units = is_("gas") | is_("hydro")
    _coal(out, is_("coal"), cap, ri, demand, seed, reserve=float((cap * flex_units).sum()) * 0.12)

    registered = units["registered"].to_numpy()
    load_sign = np.where(np.isin(roles, ["bat_load", "pump", "load_other"]), -1.0, 1.0)
    flex_m = (is_("gas") | is_("hydro")) & registered
    inflex = _by_region(out * load_sign * (~flex_m & registered), ri)
    flex_cap = _by_region(np.broadcast_to(cap * flex_m * 0.95, (n, k)), ri)
    flex_min = FLEX_MIN_SHARE * flex_cap
    # Stage A: how much flex each region runs -> regional surpluses -> flows. A small part follows
    # flex capacity NEM-wide (hydro more readily than gas); an oversupply (need below must-run)
    # becomes curtailment, mostly where it arises.
    need = demand.sum(axis=1) + 120.0 - inflex.sum(axis=1)
    weight = _by_region(np.broadcast_to(cap * flex_m * np.where(roles == "hydro", 1.6, 1.0), (n, k)), ri)
    share = weight / np.maximum(weight.sum(axis=1, keepdims=True), 1.0)
    renew = _by_region(np.clip(out, 0, None) * (is_("wind") | is_("solar")) * registered, ri)
    over = np.clip(flex_min.sum(axis=1) - need, 0.0, None)
    # Each region first covers its own need (within its flex range); the NEM remainder is shared.
    own = np.clip(demand - inflex, flex_min, flex_cap)
    rest = need - own.sum(axis=1)
    room = np.where(rest[:, None] < 0, own - flex_min, flex_cap - own)
    # Only part of an oversupply moves to other regions' flex (intra-regional constraints keep the
    # rest at home, where it is curtailed); a shortage is shared in full.
    moved = np.where(rest < 0, ROOM_SHARE * rest, rest)
    own = own + moved[:, None] * room / np.maximum(room.sum(axis=1, keepdims=True), 1.0)
    over = over + np.clip(moved - rest, 0.0, None)
    desired = (1 - FLEX_POOLING) * own + FLEX_POOLING * need[:, None] * share
    desired = np.maximum(desired, flex_min)
    # An oversupply is curtailed mostly where it arises (regional must-run beyond demand), partly
    # NEM-wide in proportion to wind and solar output (which is what makes links bind at midday).
    excess = np.clip(inflex + flex_min - demand, 0.0, None)
    where_ = (1 - CURTAIL_SPREAD) * excess / np.maximum(excess.sum(axis=1, keepdims=True), 1.0)
    where_ += CURTAIL_SPREAD * renew / np.maximum(renew.sum(axis=1, keepdims=True), 1.0)
    desired -= over[:, None] * where_
    surplus = inflex + desired - demand
    limits = simulate_limits(n, seed)
    metered = _flows(surplus, limits)
    mwlosses = losses(metered)
    loss_share = np.zeros((n, len(REGIONS)))
    for j, lk in enumerate(LINKS):
        loss_share[:, REGIONS.index(lk.region_from)] += 0.5 * mwlosses[:, j]
        loss_share[:, REGIONS.index(lk.region_to)] += 0.5 * mwlosses[:, j]
    net_import = np.zeros((n, len(REGIONS)))
    for j, lk in enumerate(LINKS):
        net_import[:, REGIONS.index(lk.region_to)] += metered[:, j]
        net_import[:, REGIONS.index(lk.region_from)] -= metered[:, j]
    # Stage B: each region's flex covers exactly what its balance still needs.
    flex = demand + loss_share - net_import - inflex
    uncurtailed = np.clip(out, 0.0, None)
    curtailed = _curtail(out, flex, flex_min, ri, roles, registered)
    flex = demand + loss_share - net_import - _by_region(out * load_sign * (~flex_m & registered), ri)
    shortfall = _peakers(out, flex, flex_cap, ri, roles, cap)
    flex = demand + loss_share - net_import - _by_region(out * load_sign * (~flex_m & registered), ri)
    _dispatch_flex(out, flex, ri, roles, cap, merit, registered)

    util = flex / np.maximum(flex_cap, 1.0)
    price, marginal = regional_prices(util, curtailed, renew, shortfall, demand, metered, limits, h, seed)
    tnoise = ar1(rng_for(seed, "flows.target"), n, len(LINKS), tau_intervals=3)
    target = np.clip(metered + 12.0 * tnoise, limits.import_, limits.export)
    avail_units = np.where(np.isin(roles, ["solar", "wind"]), np.maximum(out, 0) * 1.05, cap * 0.95)
    gen_mask = ~np.isin(roles, ["bat_load", "pump", "load_other"])
    semi = registered & units["scheduled"].to_numpy()
    ss_available = np.stack([_by_region(uncurtailed * (is_(f) & semi), ri) for f in ("solar", "wind")], axis=-1)
    ss_cleared = np.stack([_by_region(np.clip(out, 0, None) * (is_(f) & semi), ri) for f in ("solar", "wind")], axis=-1)
    return Simulation(
        times=times,
        units=units,
        scada=out,
        demand=demand,
        rooftop=w.rooftop,
        price=price,
        metered=metered,
        target=target,
        mwlosses=mwlosses,
        limits=limits,
        marginal=marginal,
        loss_share=loss_share,
        available=_by_region(avail_units * gen_mask, ri),
        dispatchable_gen=_by_region(out * (flex_m | is_("coal")), ri),
        dispatchable_load=_by_region(np.where(load_sign < 0, out, np.minimum(out, 0) * -1) * registered, ri),
        intermittent=_by_region(out * (is_("solar") | is_("wind")) * registered, ri),
        nonscheduled=_by_region(out * load_sign * (registered & ~units["scheduled"].to_numpy()), ri),
        ss_available=np.round(ss_available, 5),
        ss_cleared=np.minimum(np.round(ss_cleared, 5), np.round(ss_available, 5)),
        bdu=bdu_figures(out, units, ri),
        extras={"curtailed": curtailed, "shortfall": shortfall, "util": util},
    )


def bdu_figures(out: np.ndarray, units: pl.DataFrame, ri: np.ndarray) -> dict[str, np.ndarray]:
    """AEMO's regional BDU figures from the simulated bidirectional units: the stored energy starts
    half full and follows charge x sqrt(round trip) and discharge / sqrt(round trip), kept within
    [0, storage] (a day the plan would overfill simply stops counting at full)."""
    n = out.shape[0]
    m = (units["role"].to_numpy() == "bdu") & units["registered"].to_numpy()
    storage = _by_region(np.broadcast_to(units["storage_mwh"].fill_null(0.0).to_numpy() * m, (1, len(m))), ri)[0]
    cap = _by_region(np.broadcast_to(units["capacity_mw"].to_numpy() * m, (1, len(m))), ri)[0]
    gen = _by_region(np.clip(out, 0, None) * m, ri)
    load = _by_region(np.clip(-out, 0, None) * m, ri)
    eff = np.sqrt(BATTERY_ROUND_TRIP)
    step = (load * eff - gen / eff) * 5 / 60
    energy = np.zeros((n, len(REGIONS)))
    level = 0.5 * storage
    for i in range(n):
        level = np.clip(level + step[i], 0.0, storage)
        energy[i] = level
    initial = np.vstack([0.5 * storage[None, :], energy[:-1]]) if n else energy
    none = storage <= 0
    out_ = {"stored": energy, "initial": initial, "gen": gen, "load": load,
            "min_avail": np.broadcast_to(0.95 * cap, (n, len(REGIONS))).copy(),
            "max_avail": np.broadcast_to(0.95 * cap, (n, len(REGIONS))).copy()}  # fmt: skip
    for v in out_.values():
        v[:, none] = np.nan
    return out_


def net_demand_forecast(times: np.ndarray, units: pl.DataFrame) -> np.ndarray:
    """(n, regions) the expected net demand: typical demand less rooftop and utility solar under a
    typical sky. Deterministic (no random draws), so a battery plan built on it never changes an
    interval already simulated when `demo live` appends more."""
    sun = clear_sky_sun(times)
    solar = units.filter(pl.col("role") == "solar")
    solar_cap = np.array([solar.filter(pl.col("region_id") == r)["capacity_mw"].sum() for r in REGIONS], dtype=float)
    utility = solar_cap[None, :] * SOLAR_PEAK * tracker_sun(sun) * CLEAR_MEAN
    return expected_demand(times) - rooftop_pv(sun, CLEAR_MEAN) - utility


def battery_plan(times: np.ndarray, units: pl.DataFrame) -> np.ndarray:
    """(n, regions) battery output per unit of depth x capacity: + discharging, - charging.

    Per region and day: discharge rises from 0 where the forecast crosses its DISCHARGE_QUANTILE
    to 1 at its maximum; charge is proportional to how far it sits below its CHARGE_QUANTILE, sized
    so that discharged = BATTERY_ROUND_TRIP x charged, and both are scaled down on a day where
    charging would otherwise need more than the battery's power. The day's parameters come from
    the forecast of the whole day and are eased across midnight, so output never steps.
    """
    days = np.unique(times.astype("datetime64[D]"))
    if not len(days):
        return np.zeros((0, len(REGIONS)))
    days = np.arange(days[0] - 1, days[-1] + 2)
    grid = days.astype("datetime64[s]")[:, None] + np.arange(1, 289) * np.timedelta64(300, "s")
    f = net_demand_forecast(grid.ravel(), units).reshape(len(days), 288, len(REGIONS))
    upper = np.quantile(f, DISCHARGE_QUANTILE, axis=1)
    lower = np.quantile(f, CHARGE_QUANTILE, axis=1)
    top = np.maximum(f.max(axis=1), upper + 1.0)
    dis_h = (np.clip(f - upper[:, None], 0.0, None) / (top - upper)[:, None]).mean(axis=1) * 24.0
    below = np.clip(lower[:, None] - f, 0.0, None)
    below_h = np.maximum(below.mean(axis=1) * 24.0, 1e-9)  # MWh of forecast below the quantile
    charge_per_mw = dis_h / BATTERY_ROUND_TRIP / below_h  # charge power per MW below the quantile
    scale = np.minimum(1.0, 1.0 / np.maximum(charge_per_mw * below.max(axis=1), 1e-9))
    params = np.stack([upper, top, lower, charge_per_mw, scale], axis=-1)  # (days, regions, 5)
    p = midnight_blend(times, lambda d: params[(d - days[0]).astype(np.int64)])
    fc = net_demand_forecast(times, units)
    up, tp, lo, per_mw, sc = (p[..., i] for i in range(5))
    discharge = np.clip(fc - up, 0.0, None) / (tp - up)
    charge = np.clip(lo - fc, 0.0, None) * per_mw
    return sc * (discharge - charge)


def tracker_sun(sun: np.ndarray) -> np.ndarray:
    """Utility solar output per unit of peak from cos zenith: single-axis trackers make it flatter
    than the sun (power 0.6), eased in over the first SUNRISE_SUN (smoothstep; horizon shading,
    backtracking and a region's farms spread over ~30 minutes of sunrise). Without the easing the
    power's infinite slope at sunrise lifted a region's fleet by ~9 % of capacity in one interval."""
    u = np.clip(sun / SUNRISE_SUN, 0.0, 1.0)
    return np.power(sun, 0.6) * u * u * (3.0 - 2.0 * u)


def _bump(h: np.ndarray, centre: float, width: float) -> np.ndarray:
    d = (h - centre + 12.0) % 24.0 - 12.0
    return np.exp(-0.5 * (d / width) ** 2)


def _by_region(values: np.ndarray, ri: np.ndarray) -> np.ndarray:
    out = np.zeros((values.shape[0], len(REGIONS)))
    for r in range(len(REGIONS)):
        out[:, r] = values[:, ri == r].sum(axis=1)
    return out


def _coal(out: np.ndarray, m: np.ndarray, cap: np.ndarray, ri: np.ndarray, demand: np.ndarray, seed: int,
          reserve: float) -> None:  # fmt: skip
    """Coal: available units follow smoothed regional net demand, ramp-limited; random outages."""
    idx = np.flatnonzero(m)
    if not len(idx):
        return
    n = out.shape[0]
    c = cap[idx]
    u = rng_for(seed, "coal.outage").uniform(size=(n, len(idx)))
    up = np.empty((n, len(idx)), dtype=bool)
    p_fail, p_back = 1.0 / (288 * COAL_DAYS_UP), 1.0 / (288 * COAL_DAYS_DOWN)
    # a few units start on outage (the long-run share out)
    state = u[0] > p_fail / (p_fail + p_back) if n else np.ones(len(idx), bool)
    for t in range(n):
        state = np.where(state, u[t] >= p_fail, u[t] < p_back)
        up[t] = state
    # Regional net demand for coal: demand less wind and solar already simulated, per coal capacity.
    renew = _by_region(np.where(m, 0.0, out), ri)
    # The market dispatches coal NEM-wide: one level for every available unit (plus a wobble).
    nem_net = demand.sum(axis=1) - renew.sum(axis=1) - reserve
    level = np.clip(0.9 * nem_net / max(float(c.sum()), 1.0), COAL_MIN_LOAD + 0.02, 0.9)
    lvl = np.broadcast_to(level[:, None], (n, len(idx)))
    wobble = ar1(rng_for(seed, "coal.wobble"), n, len(idx), tau_intervals=24)
    ramp = 0.03 * c
    prev = c * lvl[0] * up[0] if n else c
    alpha = 1.0 / 12.0  # ~1 h smoothing of the level
    smooth = lvl[0].copy() if n else None
    for t in range(n):
        smooth = smooth + alpha * (lvl[t] - smooth)
        tgt = c * np.clip(smooth + 0.015 * wobble[t], COAL_MIN_LOAD, 0.95) * up[t]
        prev = np.clip(tgt, prev - ramp * np.where(up[t], 1.0, 6.0), prev + ramp)
        out[t, idx] = prev


def _flows(surplus: np.ndarray, limits: Limits) -> np.ndarray:
    """Link flows from regional surpluses on the tree (leaves first), clipped to the limits."""
    n = surplus.shape[0]
    s = {r: surplus[:, i] for i, r in enumerate(REGIONS)}
    flows = np.zeros((n, len(LINKS)))

    def pair_flow(pair: tuple[str, str], want: np.ndarray) -> np.ndarray:
        idx = pair_links(pair)
        lo = limits.import_[:, idx].sum(axis=1)
        hi = limits.export[:, idx].sum(axis=1)
        f = np.clip(want, lo, hi)
        flows[:, idx] = split_pair_flow(f, idx, limits)
        return f

    pair_flow(("NSW1", "QLD1"), -s["QLD1"])
    f_vs = pair_flow(("VIC1", "SA1"), -s["SA1"])
    f_tv = pair_flow(("TAS1", "VIC1"), s["TAS1"])
    pair_flow(("VIC1", "NSW1"), s["VIC1"] + f_tv - f_vs)
    return np.round(flows, 5)


def _curtail(out: np.ndarray, flex: np.ndarray, flex_min: np.ndarray, ri: np.ndarray, roles: np.ndarray,
             registered: np.ndarray) -> np.ndarray:  # fmt: skip
    """Where flex would fall below must-run, curtail wind and solar (then coal) in that region."""
    deficit = np.clip(flex_min - flex, 0.0, None)
    curtailed = np.zeros_like(deficit)
    for group in (("wind", "solar"), ("coal",)):
        for r in range(len(REGIONS)):
            cols = np.flatnonzero((ri == r) & np.isin(roles, group) & registered)
            if not len(cols):
                continue
            part = np.clip(out[:, cols], 0.0, None)
            total = part.sum(axis=1)
            cut = np.minimum(deficit[:, r], total)
            frac = np.where(total > 0, cut / np.maximum(total, 1e-9), 0.0)
            out[:, cols] = np.where(out[:, cols] > 0, out[:, cols] * (1.0 - frac[:, None]), out[:, cols])
            deficit[:, r] -= cut
            curtailed[:, r] += cut
    return curtailed


def _peakers(out: np.ndarray, flex: np.ndarray, flex_cap: np.ndarray, ri: np.ndarray, roles: np.ndarray,
             cap: np.ndarray) -> np.ndarray:  # fmt: skip
    """Where flex would exceed its capacity, start distillate peakers; returns what is still short."""
    short = np.clip(flex - flex_cap, 0.0, None)
    for r in range(len(REGIONS)):
        cols = np.flatnonzero((ri == r) & (roles == "peaker"))
        if not len(cols):
            continue
        run = np.minimum(short[:, r], cap[cols].sum())
        out[:, cols] = run[:, None] * cap[cols] / cap[cols].sum()
        short[:, r] -= run
    return short


def _dispatch_flex(out: np.ndarray, flex: np.ndarray, ri: np.ndarray, roles: np.ndarray, cap: np.ndarray,
                   merit: np.ndarray, registered: np.ndarray) -> None:  # fmt: skip
    """Fill each region's flex with a merit stack: hydro first tranche, gas by merit, hydro rest.

    The last unit of the stack takes any excess beyond capacity, so the balance stays exact.
    """
    for r in range(len(REGIONS)):
        hydro = np.flatnonzero((ri == r) & (roles == "hydro") & registered)
        gas = np.flatnonzero((ri == r) & (roles == "gas") & registered)
        gas = gas[np.argsort(merit[gas])]
        tranches = [(u, 0.55 * cap[u]) for u in hydro] + [(u, 0.95 * cap[u]) for u in gas]
        tranches += [(u, 0.40 * cap[u]) for u in hydro]
        if not tranches:
            continue
        remaining = flex[:, r].copy()
        for u in [t[0] for t in tranches]:
            out[:, u] = 0.0
        for i, (u, size) in enumerate(tranches):
            last = i == len(tranches) - 1
            take = np.clip(remaining, 0.0, None) if last else np.clip(remaining, 0.0, size)
            out[:, u] += take
            remaining = remaining - take
