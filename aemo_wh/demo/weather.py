"""Weather and demand for the simulator: sun by region, clouds, wind, regional demand, rooftop PV.

Everything is a function of the interval-end time axis and a seed. Random draws are time-major
(`rng.standard_normal((n, k))`) from one generator per named process, so simulating a longer window
from the same start gives the same prefix: `demo live` re-simulates and appends new intervals only.
No statistic of the whole series (mean, max) is used anywhere for the same reason.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

REGIONS = ("NSW1", "QLD1", "SA1", "TAS1", "VIC1")
SUMMER_COOLING = 0.10  # extra demand of a summer afternoon (air conditioning)
WINTER_HEATING = 0.08  # extra demand of a winter evening (heating)
WINTER_WIND = 0.6  # winter lift of the southern regions' wind index (westerlies)
WEEKEND_FACTOR = 0.93  # weekend demand relative to a weekday
MIDNIGHT_EASE_H = 2.0  # a per-day quantity changes over +-2 h around midnight, not at once
CLEAR_MEAN = 0.8  # typical share of sunlight getting through clouds (for forecasts)
CLOUD_SMOOTH = 4.0  # intervals: a region's passing cloud eases in and out over ~20 minutes
WIND_SMOOTH = 12.0  # intervals: a region's wind index turns over ~1 hour, not in one interval


@dataclass(frozen=True)
class RegionClimate:
    lat: float  # degrees (south negative): load-weighted centre of the region
    lon: float  # degrees east: sets solar noon in NEM time (UTC+10)
    underlying_mw: float  # typical underlying demand (before rooftop PV)
    rooftop_mw: float  # rooftop PV output under a clear summer noon sky


CLIMATE = {
    "NSW1": RegionClimate(-33.9, 151.0, 9500.0, 4300.0),
    "QLD1": RegionClimate(-27.5, 153.0, 7900.0, 3900.0),
    "SA1": RegionClimate(-34.9, 138.6, 1850.0, 1350.0),
    "TAS1": RegionClimate(-42.9, 147.3, 1250.0, 230.0),
    "VIC1": RegionClimate(-37.8, 145.0, 6300.0, 3200.0),
}
# Rooftop sub-regions published next to their parent (they sum to it), as in real files.
ROOFTOP_SUBREGIONS = {"QLD1": (("QLDC", 0.09), ("QLDN", 0.22), ("QLDS", 0.69)), "TAS1": (("TASN", 0.62), ("TASS", 0.38))}


def rng_for(seed: int, name: str) -> np.random.Generator:
    """One independent generator per named process (adding a process never shifts another)."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def ar1(rng: np.random.Generator, n: int, k: int, tau_intervals: float) -> np.ndarray:
    """k independent AR(1) series of unit variance with e-folding time `tau_intervals`."""
    eps = rng.standard_normal((n, k))
    phi = float(np.exp(-1.0 / tau_intervals))
    scale = float(np.sqrt(1.0 - phi * phi))
    out = np.empty_like(eps)
    if n:
        out[0] = eps[0]
    for t in range(1, n):
        out[t] = phi * out[t - 1] + scale * eps[t]
    return out


def smooth_ar1(rng: np.random.Generator, n: int, k: int, tau_intervals: float, smooth_intervals: float) -> np.ndarray:
    """`ar1` passed through an exponential smoother of `smooth_intervals` (rescaled to unit variance).

    An AR(1) series is rough: its 5-minute steps are as large as white noise allows, so a regional
    wind or cloud index built on it moved a whole fleet by ~1 GW in one interval now and then
    (a 3-4 sigma step). A region's fleet averages many sites, so its index is smooth: after the
    smoother one interval changes it by ~1/smooth_intervals of the AR(1)'s distance from it.
    Causal, so a longer run keeps the prefix (`demo live`).
    """
    x = ar1(rng, n, k, tau_intervals)
    phi, psi = float(np.exp(-1.0 / tau_intervals)), float(np.exp(-1.0 / smooth_intervals))
    # variance of y_t = (1 - psi) sum_j psi^j x_{t-j} for an AR(1) x of unit variance
    var = (1.0 - psi) ** 2 / (1.0 - psi * psi) * (1.0 + phi * psi) / (1.0 - phi * psi)
    out = np.empty_like(x)
    if n:
        out[0] = x[0]  # start in the stationary state's neighbourhood (no spin-up from zero)
    for t in range(1, n):
        out[t] = psi * out[t - 1] + (1.0 - psi) * x[t]
    return out / np.sqrt(var)


def hours_of_day(times: np.ndarray) -> np.ndarray:
    """Hour of day (float, NEM time) of each timestamp (datetime64)."""
    minutes = (times - times.astype("datetime64[D]")).astype("timedelta64[m]").astype(np.int64)
    return minutes / 60.0


def sun_factor(times: np.ndarray, region: str) -> np.ndarray:
    """Cosine of the solar zenith angle (>= 0) at each timestamp for the region's centre."""
    c = CLIMATE[region]
    doy = (times.astype("datetime64[D]") - times.astype("datetime64[Y]")).astype(np.int64) + 1
    decl = np.radians(-23.44) * np.cos(2 * np.pi / 365.0 * (doy + 10))
    solar_hour = hours_of_day(times) - 10.0 + c.lon / 15.0  # NEM time is UTC+10
    hour_angle = np.radians(15.0 * (solar_hour - 12.0))
    lat = np.radians(c.lat)
    cosz = np.sin(lat) * np.sin(decl) + np.cos(lat) * np.cos(decl) * np.cos(hour_angle)
    return np.clip(cosz, 0.0, None)


def _bump(h: np.ndarray, centre: float, width: float) -> np.ndarray:
    d = (h - centre + 12.0) % 24.0 - 12.0
    return np.exp(-0.5 * (d / width) ** 2)


def midnight_blend(times: np.ndarray, per_day: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """A per-day quantity at each timestamp, eased from one day's value to the next over
    +-MIDNIGHT_EASE_H around midnight (smoothstep), so it never steps at 00:00.

    per_day maps an array of datetime64[D] (one per timestamp) to values, shape (n,) or (n, ...).
    """
    t = times.astype("datetime64[s]")
    nearest = (t + np.timedelta64(12, "h")).astype("datetime64[D]")  # the nearest midnight
    x = (t - nearest.astype("datetime64[s]")).astype(np.int64) / 3600.0  # hours from it, [-12, 12)
    u = np.clip((x + MIDNIGHT_EASE_H) / (2.0 * MIDNIGHT_EASE_H), 0.0, 1.0)
    w = u * u * (3.0 - 2.0 * u)
    before, after = per_day(nearest - np.timedelta64(1, "D")), per_day(nearest)
    w = w.reshape(w.shape + (1,) * (np.ndim(after) - 1))
    return (1.0 - w) * before + w * after


def weekend_factor(times: np.ndarray) -> np.ndarray:
    """(n,) demand factor of the day of week: WEEKEND_FACTOR on Saturday and Sunday, eased."""
    return midnight_blend(times, lambda d: np.where((d.astype(np.int64) + 3) % 7 >= 5, WEEKEND_FACTOR, 1.0))


def season_of(times: np.ndarray) -> np.ndarray:
    """(n,) +1 mid-January, -1 mid-July: drives air conditioning, heating and the windier winter."""
    doy = (times.astype("datetime64[D]") - times.astype("datetime64[Y]")).astype(np.int64)
    return np.cos(2 * np.pi * (doy - 15) / 365.0)


def expected_demand(times: np.ndarray) -> np.ndarray:
    """(n, regions) underlying demand of a typical day (no temperature or noise): deterministic,
    so forecasts built on it do not depend on the random draws."""
    h = hours_of_day(times)
    season = season_of(times)
    shape = 0.80 + 0.10 * _bump(h, 8.0, 1.4) + 0.22 * _bump(h, 18.6, 2.1) + 0.15 * _bump(h, 13.5, 3.5)
    shape -= 0.06 * _bump(h, 3.8, 2.0)
    # Summer afternoons cool, winter mornings and evenings heat.
    cooling = np.clip(season, 0, None) * _bump(h, 14.5, 3.5)
    heating = np.clip(-season, 0, None) * (0.6 * _bump(h, 8.0, 1.5) + _bump(h, 18.5, 2.5))
    climate = 1.0 + SUMMER_COOLING * cooling + WINTER_HEATING * heating
    base = np.array([CLIMATE[r].underlying_mw for r in REGIONS])
    return base[None, :] * (shape * weekend_factor(times) * climate)[:, None]


def clear_sky_sun(times: np.ndarray) -> np.ndarray:
    """(n, regions) cos zenith at the middle of the interval ending at each timestamp."""
    mid = times - np.timedelta64(150, "s")
    return np.stack([sun_factor(mid, r) for r in REGIONS], axis=1)


def rooftop_pv(sun: np.ndarray, clear: np.ndarray | float) -> np.ndarray:
    """(n, regions) rooftop PV MW from the sun and the share of it getting through clouds."""
    roof_cap = np.array([CLIMATE[r].rooftop_mw for r in REGIONS])
    return roof_cap[None, :] * np.power(sun, 1.15) * clear


def satellite_rooftop(times: np.ndarray, rooftop: np.ndarray) -> np.ndarray:
    """(n, regions) AEMO's SATELLITE rooftop estimate next to the MEASUREMENT one: the same output
    seen through satellite imagery, a few per cent off (within +-5.5 %: a slow per-region bias wave
    over ~1.2 days plus a 3-hour wobble). A function of time alone - no random draws - so a longer
    run keeps the past (`demo live`); zero at night stays zero."""
    hours = np.asarray(times).astype("datetime64[s]").astype(np.int64)[:, None] / 3600.0
    phase = np.arange(len(REGIONS))[None, :] * 1.3
    err = 0.035 * np.sin(2 * np.pi * hours / 29.0 + phase) + 0.02 * np.sin(2 * np.pi * hours / 3.1 + 2 * phase)
    return rooftop * (1.0 + err)


@dataclass
class Weather:
    sun: np.ndarray  # (n, regions) cos zenith
    clear: np.ndarray  # (n, regions) 0..1 share of sunlight getting through clouds
    wind: np.ndarray  # (n, regions) regional wind index (unit variance AR)
    underlying: np.ndarray  # (n, regions) underlying demand MW
    rooftop: np.ndarray  # (n, regions) rooftop PV MW at the interval end


def simulate_weather(times: np.ndarray, seed: int) -> Weather:
    """Sun, clouds, wind and demand for every region at every interval end."""
    n, k = len(times), len(REGIONS)
    sun = clear_sky_sun(times)
    # Clouds: slow regional weather systems plus faster local passing cloud.
    # Both are smoothed AR(1)s: a region's sky does not change all at once in 5 minutes.
    slow = smooth_ar1(rng_for(seed, "cloud.slow"), n, k, tau_intervals=12 * 18, smooth_intervals=6)
    fast = smooth_ar1(rng_for(seed, "cloud.fast"), n, k, tau_intervals=6, smooth_intervals=CLOUD_SMOOTH)
    cloudiness = 1.0 / (1.0 + np.exp(-(1.3 * slow + 0.5 * fast - 1.2)))
    clear = 1.0 - 0.8 * cloudiness
    season = season_of(times)
    southern = np.array([CLIMATE[r].lat < -34.0 for r in REGIONS], dtype=float)
    regional = smooth_ar1(rng_for(seed, "wind.region"), n, k, tau_intervals=12 * 10, smooth_intervals=WIND_SMOOTH)
    nem = smooth_ar1(rng_for(seed, "wind.nem"), n, 1, tau_intervals=12 * 30, smooth_intervals=WIND_SMOOTH)
    wind = WINTER_WIND * np.clip(-season, 0, None)[:, None] * southern[None, :] + 0.85 * regional + 0.53 * nem
    h = hours_of_day(times)
    temp = ar1(rng_for(seed, "temperature"), n, k, tau_intervals=12 * 24)
    noise = ar1(rng_for(seed, "demand.noise"), n, k, tau_intervals=4)
    hot = 1.0 + 0.05 * temp + 0.04 * np.clip(temp, 0, None) * _bump(h, 16.0, 3.0)[:, None]
    underlying = expected_demand(times) * hot * (1.0 + 0.006 * noise)
    rooftop = rooftop_pv(sun, clear)
    return Weather(sun=sun, clear=clear, wind=wind, underlying=underlying, rooftop=rooftop)
