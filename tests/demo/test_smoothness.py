"""The simulated fleet moves smoothly: batteries ramp between charging and discharging over many
intervals (no one-interval flip), give back ~85 % of what they store each day, demand eases into the
weekend, utility solar peaks around solar noon, and no fuel's NEM fleet jumps in one interval
(issue 4 follow-ups)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from aemo_wh.demo.mirror import load_units
from aemo_wh.demo.model import battery_plan, simulate
from aemo_wh.demo.realism import battery_fleet, format_smoothness, fuel_steps, full_days, smoothness_stats
from aemo_wh.demo.weather import ar1, hours_of_day, rng_for, smooth_ar1

# A summer fortnight from a Monday (two Friday -> Saturday midnights) and a winter week.
WINDOWS = {"summer": (dt.datetime(2026, 1, 5), 14, 1), "winter": (dt.datetime(2026, 7, 6), 7, 2)}


@pytest.fixture(scope="module")
def units():
    return load_units()


@pytest.fixture(scope="module", params=sorted(WINDOWS))
def sim(request, units):
    start, days, seed = WINDOWS[request.param]
    return simulate(units, start, start + dt.timedelta(days=days), seed=seed)


def test_battery_fleet_ramps_over_many_intervals(sim) -> None:
    fleet, fleet_cap = battery_fleet(sim)
    step = np.abs(np.diff(fleet))
    assert step.max() <= 0.15 * fleet_cap, format_smoothness(smoothness_stats(sim))
    # and it really cycles: charges by day, discharges at the evening peak, several GW each way
    h = hours_of_day(sim.times)
    assert fleet[(h >= 11) & (h <= 13)].mean() < -0.2 * fleet_cap
    assert fleet[(h >= 18) & (h <= 20)].mean() > 0.3 * fleet_cap


def test_batteries_stay_within_capacity(sim) -> None:
    roles = sim.units["role"].to_numpy()
    bat = np.isin(roles, ["bdu", "bat_gen", "bat_load"])
    cap = sim.units["capacity_mw"].to_numpy()[bat]
    assert (np.abs(sim.scada[:, bat]) <= cap).all()


def test_daily_round_trip_loses_some_energy(sim) -> None:
    fleet, _ = battery_fleet(sim)
    day = full_days(sim)
    days = np.unique(day[~np.isnat(day)])
    assert len(days) >= 6
    for d in days:
        m = day == d
        charged, discharged = -np.clip(fleet[m], None, 0).sum(), np.clip(fleet[m], 0, None).sum()
        assert 0.75 <= discharged / charged <= 0.95, (str(d), discharged / charged)


def test_demand_eases_into_the_weekend(sim) -> None:
    s = smoothness_stats(sim)
    assert s["weekend_step"] < 400.0, format_smoothness(s)  # a weekday factor switched at once: ~1,500 MW
    # the weekend is still lower: Saturday uses less than the Friday before it
    demand = sim.demand.sum(axis=1)
    day = full_days(sim)
    dow = (day.astype("datetime64[D]").astype(np.int64) + 3) % 7
    for fri in np.unique(day[~np.isnat(day) & (dow == 4)]):
        sat = fri + np.timedelta64(1, "D")
        if (day == sat).any():
            assert demand[day == sat].mean() < 0.97 * demand[day == fri].mean()


def test_utility_solar_peaks_near_solar_noon(sim) -> None:
    s = smoothness_stats(sim)
    assert 11.5 <= s["solar_peak_h"] <= 13.25, format_smoothness(s)
    roles = sim.units["role"].to_numpy()
    solar = np.clip(sim.scada[:, roles == "solar"].sum(axis=1), 0, None)
    h = hours_of_day(sim.times - np.timedelta64(150, "s"))
    day = full_days(sim)
    for d in np.unique(day[~np.isnat(day)]):
        m = day == d
        assert 11.5 <= (solar[m] * h[m]).sum() / solar[m].sum() <= 12.75, str(d)  # output-weighted hour


def test_battery_plan_is_continuous_across_midnight_and_deterministic(units) -> None:
    """The plan is a function of time alone (no draws): any window gives the same values, and it
    eases across midnight rather than stepping."""
    times = np.arange(np.datetime64("2026-01-09T18:00"), np.datetime64("2026-01-10T06:00"), np.timedelta64(5, "m"))
    plan = battery_plan(times.astype("datetime64[s]"), units)
    part = battery_plan(times[60:90].astype("datetime64[s]"), units)
    assert np.array_equal(plan[60:90], part)
    assert np.abs(np.diff(plan, axis=0)).max() < 0.15


def test_a_run_extended_past_midnight_keeps_the_past(units) -> None:
    start, end = dt.datetime(2026, 1, 9), dt.datetime(2026, 1, 9, 23, 30)
    short = simulate(units, start, end, seed=4)
    longer = simulate(units, start, end + dt.timedelta(hours=4), seed=4)
    n = len(short.times)
    assert np.array_equal(longer.scada[:n], short.scada) and np.array_equal(longer.price[:n], short.price)


# Largest NEM-wide change of a fuel's output in one 5-minute interval, share of that fuel's NEM
# capacity. Wind and solar follow the weather over fleets spread across hundreds of km: 5 % (~740 MW
# of ~15 GW each) is already a steep front or a fast morning ramp. Gas and hydro balance the NEM,
# absorbing demand and renewable swings (and curtailment starting or stopping) together: 8 % of
# the ~8 GW hydro fleet is ~650 MW, about the NEM's sharpest 5-minute net-demand moves. Before
# stage 9 (rough weather drivers) gas stepped 11.6 % and hydro 13.6 % in the summer window.
STEP_BOUND = {"gas": 0.08, "hydro": 0.08, "wind": 0.05, "solar": 0.05}


def test_no_fuel_fleet_jumps_in_one_interval(sim) -> None:
    steps = fuel_steps(sim)
    for fuel, bound in STEP_BOUND.items():
        mw, cap = steps[fuel]
        assert cap > 5000 and mw <= bound * cap, (fuel, format_smoothness(smoothness_stats(sim)))
    # and they do move: wind and gas change by a few hundred MW somewhere in the window
    assert steps["wind"][0] > 100 and steps["gas"][0] > 100


def test_smoothed_weather_index_keeps_its_spread_and_prefix() -> None:
    """The smoothed AR(1) behind wind and clouds keeps unit variance but steps far less than the
    raw AR(1), and (being causal) a longer series starts with the shorter one."""
    rough = ar1(rng_for(9, "x"), 20000, 4, tau_intervals=120)
    smooth = smooth_ar1(rng_for(9, "x"), 20000, 4, tau_intervals=120, smooth_intervals=12)
    assert 0.8 < smooth[2000:].std() < 1.2
    assert np.abs(np.diff(smooth, axis=0)).max() < 0.3 * np.abs(np.diff(rough, axis=0)).max()
    assert np.array_equal(smooth_ar1(rng_for(9, "x"), 500, 4, 120, 12)[:300], smooth_ar1(rng_for(9, "x"), 300, 4, 120, 12))
