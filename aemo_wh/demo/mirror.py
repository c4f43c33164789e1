"""The simulated NEMWeb mirror on disk: Current files, Archive bundles, irregularities, metadata.

Layout (as nemweb.com.au):

    Reports/Current/Dispatch_SCADA/PUBLIC_DISPATCHSCADA_<yyyymmddHHMM>_<id>.zip
    Reports/Current/DispatchIS_Reports/PUBLIC_DISPATCHIS_<yyyymmddHHMM>_<id>.zip
    Reports/Current/TradingIS_Reports/PUBLIC_TRADINGIS_<yyyymmddHHMM>_<id>.zip   (5-minute, post-5MS)
    Reports/Current/ROOFTOP_PV/ACTUAL/PUBLIC_ROOFTOP_PV_ACTUAL_{MEASUREMENT,SATELLITE}_<yyyymmddHHMMSS>_<id>.zip
    Reports/Archive/Dispatch_SCADA/PUBLIC_DISPATCHSCADA_<yyyymmdd>.zip          (daily zip of zips,
    Reports/Archive/DispatchIS_Reports/PUBLIC_DISPATCHIS_<yyyymmdd>.zip          files named 00:00 .. 23:55)
    Reports/Archive/TradingIS_Reports/PUBLIC_TRADINGIS_<yyyymmdd>_<yyyymmdd>.zip  (weekly, Sunday to
                                                    Saturday by file time, first and last day named)
    Reports/Archive/ROOFTOP_PV/ACTUAL/PUBLIC_ROOFTOP_PV_ACTUAL_{MEASUREMENT,SATELLITE}_<yyyymmdd>.zip
                                        (weekly, Thursday to Wednesday, 336 members, as the real ones)

Every bundle is cut by the time in the file name (the interval end), as AEMO cuts them. Dispatch
files stay in Current from the one named yesterday 00:00 (NEM time); older whole days are
bundled. Weekly streams keep the open week (and a closed week until the end of yesterday) in
Current, so every interval is always in one place. File mtimes are the publication times, so
listings show real-looking dates.
`.demo_mirror.json` and `.demo_units.parquet` (hidden from listings) let `demo live` continue.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl

from aemo_wh.demo import writers
from aemo_wh.demo.model import UNKNOWN_DUID, Simulation, prepare_units, simulate
from aemo_wh.demo.network import LINKS
from aemo_wh.demo.weather import REGIONS, satellite_rooftop
from aemo_wh.log import get_logger
from aemo_wh.nemtime import NEM_TZ, floor_interval, now_nem

logger = get_logger(__name__)

META = ".demo_mirror.json"
UNITS = ".demo_units.parquet"
DEFAULT_SEED = 2026
MIRROR_STREAMS = 4  # bumped when what a mirror publishes changes: `demo up` rebuilds an older mirror
# rather than catching it up (2: TradingIS and rooftop SATELLITE files; 3: daily bundles cut by file
# time, smoothed weather - an old history continued by the new simulator would step at the seam)


@dataclass(frozen=True)
class Folder:
    """One published stream: its Current and Archive folders and how its bundles are cut."""

    key: str  # stream key in `simulation_files`
    current: str
    archive: str
    prefix: str  # Current file and Archive bundle name prefix
    archive_days: int  # 1 = daily bundles, 7 = weekly
    week_start: int = 3  # weekday a weekly bundle starts (3 Thursday: rooftop; 6 Sunday: TradingIS)
    last_day_in_name: bool = False  # PUBLIC_TRADINGIS_<first>_<last>.zip

    def bundle_name(self, start: dt.date) -> str:
        if self.last_day_in_name:
            last = start + dt.timedelta(days=self.archive_days - 1)
            return f"{self.prefix}_{start:%Y%m%d}_{last:%Y%m%d}.zip"
        return f"{self.prefix}_{start:%Y%m%d}.zip"

    def owns(self, name: str) -> bool:
        """True for this stream's Current file names (streams may share a folder)."""
        return name.startswith(self.prefix + "_") and bool(_STAMP.search(name))


_ROOFTOP_CURRENT, _ROOFTOP_ARCHIVE = "Reports/Current/ROOFTOP_PV/ACTUAL", "Reports/Archive/ROOFTOP_PV/ACTUAL"
FOLDERS = (
    Folder("scada", "Reports/Current/Dispatch_SCADA", "Reports/Archive/Dispatch_SCADA", "PUBLIC_DISPATCHSCADA", 1),
    Folder("dispatchis", "Reports/Current/DispatchIS_Reports", "Reports/Archive/DispatchIS_Reports",
           "PUBLIC_DISPATCHIS", 1),
    Folder("tradingis", "Reports/Current/TradingIS_Reports", "Reports/Archive/TradingIS_Reports",
           "PUBLIC_TRADINGIS", 7, week_start=6, last_day_in_name=True),
    Folder("rooftop", _ROOFTOP_CURRENT, _ROOFTOP_ARCHIVE, "PUBLIC_ROOFTOP_PV_ACTUAL_MEASUREMENT", 7),
    Folder("satellite", _ROOFTOP_CURRENT, _ROOFTOP_ARCHIVE, "PUBLIC_ROOFTOP_PV_ACTUAL_SATELLITE", 7),
)  # fmt: skip
_STAMP = re.compile(r"_(\d{12}|\d{14})_\d{16}\.zip$", re.IGNORECASE)


@dataclass
class MirrorMeta:
    """What a mirror was built from, and its deliberate irregularities."""

    seed: int
    start: str  # NEM time iso: intervals end after this
    end: str  # last interval end written
    days: int
    missing_interval: str | None  # no SCADA / DispatchIS / TradingIS file for this interval end
    republished_interval: str | None  # a second SCADA file with newer LASTCHANGED for this interval
    unknown_duid: str = UNKNOWN_DUID
    publisher: str = writers.PUBLISHER
    streams: int = 1  # MIRROR_STREAMS of the code that built it (1: no TradingIS / SATELLITE files)

    @classmethod
    def read(cls, root: Path) -> MirrorMeta:
        return cls(**json.loads((root / META).read_text(encoding="utf-8")))

    def write(self, root: Path) -> None:
        tmp = root / (META + ".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        os.replace(tmp, root / META)

    @property
    def end_ts(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.end)

    @property
    def start_ts(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.start)


def is_mirror(root: Path) -> bool:
    return (root / META).is_file()


def _set_mtime(path: Path, when: dt.datetime) -> None:
    ts = when.replace(tzinfo=NEM_TZ).timestamp()
    os.utime(path, (ts, ts))


def _interval_of(name: str) -> dt.datetime:
    stamp = _STAMP.search(name)
    if not stamp:
        raise ValueError(f"not a Current file name: {name}")
    s = stamp.group(1)
    return dt.datetime.strptime(s, "%Y%m%d%H%M%S" if len(s) == 14 else "%Y%m%d%H%M")


def bundle_start(folder: Folder, name: str) -> dt.date:
    """First day of the Archive bundle a Current file belongs to.

    AEMO cuts daily and weekly bundles by the calendar day of the time in the file name (the
    interval end), so a 00:00 file opens its own day's bundle although its interval started the
    day before (nem_domain.md §6 "Formats"; the real rooftop week `…_20240314.zip` starts with the
    file named 2024-03-14 00:00).
    """
    day = _interval_of(name).date()
    if folder.archive_days == 7:
        return day - dt.timedelta(days=(day.weekday() - folder.week_start) % 7)
    return day


def simulation_files(sim: Simulation, after: dt.datetime, meta: MirrorMeta) -> dict[str, list[writers.SourceFile]]:
    """Current files for every interval of `sim` ending after `after` (irregularities applied)."""
    duids = sim.units["duid"].to_list()
    net_imp = sim.net_import
    nettarget = np.zeros_like(net_imp)
    for j, lk in enumerate(LINKS):
        nettarget[:, REGIONS.index(lk.region_to)] += sim.target[:, j]
        nettarget[:, REGIONS.index(lk.region_from)] -= sim.target[:, j]
    times = [t.astype("datetime64[s]").astype(dt.datetime) for t in sim.times]
    satellite = satellite_rooftop(sim.times, sim.rooftop)
    first = next((i for i, t in enumerate(times) if t > after), len(times))
    values = writers.numbers(sim.scada[first:].ravel()) if first < len(times) else []
    k = len(duids)
    out: dict[str, list[writers.SourceFile]] = defaultdict(list)
    missing = dt.datetime.fromisoformat(meta.missing_interval) if meta.missing_interval else None
    republished = dt.datetime.fromisoformat(meta.republished_interval) if meta.republished_interval else None
    for i in range(first, len(times)):
        ts = times[i]
        if ts == missing:
            continue
        vals = values[(i - first) * k : (i - first + 1) * k]
        out["scada"].append(writers.scada_file(ts, duids, vals))
        if ts == republished:
            out["scada"].append(writers.scada_file(ts, duids, _revise(vals, duids, sim, i), republish_delay_min=45))
        out["dispatchis"].append(writers.dispatchis_file(ts, writers.DispatchValues(
            price=sim.price[i], demand=sim.demand[i], nonscheduled=sim.nonscheduled[i], available=sim.available[i],
            dispatchable_gen=sim.dispatchable_gen[i], dispatchable_load=sim.dispatchable_load[i],
            net_interchange=-nettarget[i] + sim.loss_share[i], intermittent=sim.intermittent[i],
            metered=sim.metered[i], target=sim.target[i], losses=sim.mwlosses[i], marginal=sim.marginal[i],
            export_limit=sim.limits.export[i], import_limit=sim.limits.import_[i],
            ss_available=None if sim.ss_available is None else sim.ss_available[i],
            ss_cleared=None if sim.ss_cleared is None else sim.ss_cleared[i],
            bdu={k: v[i] for k, v in sim.bdu.items()},
        )))  # fmt: skip
        out["tradingis"].append(writers.tradingis_file(ts, sim.price[i], sim.metered[i], sim.target[i], sim.mwlosses[i]))
        # Rooftop: the half hour ending ts is published 30 minutes later, if that is not after the end.
        if ts.minute % 30 == 0 and ts + dt.timedelta(minutes=30) <= times[-1]:
            _rooftop(out, ts, sim.rooftop[i], satellite[i])
    # Rooftop half hours whose publication time passed only now (their interval is before `after`).
    for i in range(0, first):
        ts = times[i]
        if ts.minute % 30 == 0 and after < ts + dt.timedelta(minutes=30) <= times[-1]:
            _rooftop(out, ts, sim.rooftop[i], satellite[i])
    return out


def _rooftop(out: dict[str, list[writers.SourceFile]], ts: dt.datetime, measured: np.ndarray,
             satellite: np.ndarray) -> None:  # fmt: skip
    """The half hour ending `ts` in both streams AEMO publishes (the views prefer MEASUREMENT)."""
    out["rooftop"].append(writers.rooftop_file(ts, dict(zip(REGIONS, measured, strict=True))))
    out["satellite"].append(writers.rooftop_file(ts, dict(zip(REGIONS, satellite, strict=True)), "SATELLITE"))


def _revise(vals: list[str], duids: list[str], sim: Simulation, i: int) -> list[str]:
    """The re-published file corrects three solar/wind readings by a few MW (a real SCADA fix)."""
    roles = sim.units["role"].to_list()
    picks = [j for j, r in enumerate(roles) if r in ("solar", "wind") and sim.scada[i, j] > 5][:3]
    revised = list(vals)
    for j in picks:
        revised[j] = writers.number(sim.scada[i, j] - 2.5)
    return revised


def write_current(root: Path, files: dict[str, list[writers.SourceFile]]) -> int:
    n = 0
    for folder in FOLDERS:
        target = root / folder.current
        target.mkdir(parents=True, exist_ok=True)  # a stream's folder exists even before its first file
        for f in files.get(folder.key, []):
            path = target / f.name
            path.write_bytes(f.data)
            _set_mtime(path, f.published)
            n += 1
    return n


def _archive_start(folder: Folder, name: str, keep_from: dt.datetime, whole: bool) -> dt.date | None:
    """The first day of the bundle a Current file goes into now, or None if it stays in Current.

    `whole`: only bundles whose whole span (a day; a week for rooftop and TradingIS) is before
    `keep_from`, as NEMWeb does. `whole=False` (test fixtures) archives every file up to `keep_from`.
    """
    if not whole and _interval_of(name) > keep_from:
        return None
    start = bundle_start(folder, name)
    if whole and _span_end(folder, start) > keep_from:
        return None
    return start


def _span_end(folder: Folder, start: dt.date) -> dt.datetime:
    return dt.datetime.combine(start + dt.timedelta(days=folder.archive_days), dt.time())


def _write_bundle(root: Path, folder: Folder, start: dt.date, members: list[tuple[str, bytes, dt.datetime]],
                  now: dt.datetime) -> None:  # fmt: skip
    """One Archive bundle: the Current zips (name, bytes, publication time) in name order."""
    arch = root / folder.archive
    arch.mkdir(parents=True, exist_ok=True)
    target = arch / folder.bundle_name(start)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(writers.zip_many(sorted(members, key=lambda m: m[0])))
    os.replace(tmp, target)
    _set_mtime(target, min(_span_end(folder, start) + dt.timedelta(hours=4, minutes=30), now))


def roll(root: Path, keep_from: dt.datetime, now: dt.datetime, whole: bool = True) -> int:
    """Bundle Current files from before `keep_from` into Archive (and drop them from Current).

    See `_archive_start` for `whole`. With `whole=True` a bundle, once written, is never rewritten;
    `whole=False` (test fixtures) may leave today's bundle partial - fewer files to land, same path.
    """
    bundles = 0
    for folder in FOLDERS:
        cur = root / folder.current
        if not cur.is_dir():
            continue
        groups: dict[dt.date, list[Path]] = defaultdict(list)
        for p in cur.iterdir():
            if p.is_file() and folder.owns(p.name):
                start = _archive_start(folder, p.name, keep_from, whole)
                if start is not None:
                    groups[start].append(p)
        for start, paths in sorted(groups.items()):
            members = [(p.name, p.read_bytes(), dt.datetime.fromtimestamp(p.stat().st_mtime, NEM_TZ).replace(tzinfo=None))
                       for p in paths]  # fmt: skip
            _write_bundle(root, folder, start, members, now)
            for p in paths:
                p.unlink()
            bundles += 1
    return bundles


def _archive_new(root: Path, files: dict[str, list[writers.SourceFile]], keep_from: dt.datetime,
                 now: dt.datetime, whole: bool = True) -> tuple[dict[str, list[writers.SourceFile]], int]:  # fmt: skip
    """`roll` for files not yet on disk (a fresh build): write the bundles they belong to straight
    from memory (the same bytes `write_current` + `roll` give, without ~10^4 file writes and reads)
    and return the files that stay in Current, and the number of bundles written."""
    stay: dict[str, list[writers.SourceFile]] = defaultdict(list)
    bundles = 0
    for folder in FOLDERS:
        groups: dict[dt.date, list[writers.SourceFile]] = defaultdict(list)
        for f in files.get(folder.key, []):
            start = _archive_start(folder, f.name, keep_from, whole)
            (stay[folder.key] if start is None else groups[start]).append(f)
        for start, group in sorted(groups.items()):
            _write_bundle(root, folder, start, [(f.name, f.data, f.published) for f in group], now)
            bundles += 1
    return stay, bundles


def load_units(settings: object | None = None) -> pl.DataFrame:
    from aemo_wh.registry import load_duid_info

    return prepare_units(load_duid_info(settings))  # type: ignore[arg-type]


def default_end() -> dt.datetime:
    """The latest 5-minute boundary before now (NEM time)."""
    return floor_interval(now_nem(), 5)


def build_mirror(out: Path, days: int = 14, seed: int = DEFAULT_SEED, end: dt.datetime | None = None,
                 units: pl.DataFrame | None = None, current_intervals: int | None = None) -> MirrorMeta:  # fmt: skip
    """Write a fresh mirror of `days` whole days before `end`'s day plus that day up to `end`.

    Current holds the files from the start of yesterday (as NEMWeb), or only the last
    `current_intervals` intervals when given (fast test fixtures: the rest in Archive bundles).
    """
    if days < 1:
        raise ValueError("days must be >= 1")
    end = floor_interval(end or default_end(), 5)
    start = dt.datetime.combine(end.date() - dt.timedelta(days=days), dt.time())
    units = units if units is not None else load_units()
    yesterday = end.date() - dt.timedelta(days=1)
    missing = dt.datetime.combine(yesterday, dt.time(14, 35))
    republished = dt.datetime.combine(yesterday, dt.time(11, 0))
    meta = MirrorMeta(
        seed=seed, start=start.isoformat(), end=end.isoformat(), days=days,
        missing_interval=missing.isoformat() if start < missing <= end else None,
        republished_interval=republished.isoformat() if start < republished <= end else None,
        streams=MIRROR_STREAMS,
    )  # fmt: skip
    if out.exists():
        for folder in ("Reports",):
            shutil.rmtree(out / folder, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    sim = simulate(units, start, end, seed)
    files = simulation_files(sim, start, meta)
    if current_intervals is None:
        current, bundles = _archive_new(out, files, keep_from=dt.datetime.combine(yesterday, dt.time()), now=end)
    else:
        keep = end - dt.timedelta(minutes=5 * current_intervals)
        current, bundles = _archive_new(out, files, keep_from=keep, now=end, whole=False)
    n = write_current(out, current)
    units.write_parquet(out / UNITS)
    meta.write(out)
    logger.info("demo mirror %s: %d files, %d archive bundles, %s .. %s", out, n, bundles, start, end)
    return meta


def append_intervals(root: Path, until: dt.datetime | None = None, count: int | None = None) -> list[dt.datetime]:
    """Continue a mirror: simulate new intervals after its end and publish them (then roll days).

    `count` new intervals, or up to `until` (default: the latest 5-minute boundary before now).
    Returns the new interval ends.
    """
    meta = MirrorMeta.read(root)
    units = pl.read_parquet(root / UNITS)
    old_end = meta.end_ts
    if count is not None:
        new_end = old_end + dt.timedelta(minutes=5 * count)
    else:
        new_end = floor_interval(until or default_end(), 5)
    if new_end <= old_end:
        return []
    sim = simulate(units, meta.start_ts, new_end, meta.seed)
    files = simulation_files(sim, old_end, meta)
    write_current(root, files)
    keep = dt.datetime.combine(new_end.date() - dt.timedelta(days=1), dt.time())
    roll(root, keep_from=keep, now=max(new_end, now_nem()))
    meta.end = new_end.isoformat()
    meta.write(root)
    return [f.interval for f in files.get("dispatchis", [])]
