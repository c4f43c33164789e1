"""Write simulated intervals as AEMO files: C/I/D CSVs, per-interval zips, zip-of-zips bundles.

Every byte follows the real files (../shared/nemweb_samples): CRLF, the C header row (with the
publisher field `AEMO_WH_DEMO` where AEMO writes `AEMO` - the only marker of simulated data),
I rows and column order from `formats.py`, date-times quoted `"YYYY/MM/DD HH:MM:SS"`, ids and
numbers unquoted, blanks as nothing, the `C,"END OF REPORT",N` footer counting every line,
`.CSV` members in dispatch and trading zips and `.csv` in rooftop zips, zip member time = publication time.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from aemo_wh.demo import formats
from aemo_wh.demo.network import LINKS, PAIRS
from aemo_wh.demo.weather import REGIONS, ROOFTOP_SUBREGIONS

PUBLISHER = "AEMO_WH_DEMO"
CRLF = "\r\n"
_ID_ANCHOR = dt.datetime(2025, 12, 27, 0, 5)  # real DispatchIS id 0000000495867501 at this interval
_ID_AT_ANCHOR = 495867500
_IDS_PER_INTERVAL = 326  # how fast AEMO's event-queue id grew 2021-2025


def event_id(ts: dt.datetime, offset: int) -> int:
    """A 16-digit file id that increases with time across all reports, like AEMO's."""
    steps = int((ts - _ID_ANCHOR).total_seconds() // 300)
    return _ID_AT_ANCHOR + steps * _IDS_PER_INTERVAL + offset


def aemo_ts(ts: dt.datetime) -> str:
    return f'"{ts:%Y/%m/%d %H:%M:%S}"'


def number(x: float, decimals: int = 5) -> str:
    """AEMO-style number: plain decimal, no trailing zeros, integers without a point."""
    r = round(float(x), decimals)
    if r == int(r):
        return str(int(r))
    return f"{r:.{decimals}f}".rstrip("0")


def numbers(values: np.ndarray, decimals: int = 5) -> list[str]:
    """Vectorised `number` for a whole array."""
    v = np.round(np.asarray(values, dtype=float), decimals)
    v = np.where(v == 0, 0.0, v)
    s = pl.Series(v).cast(pl.String).str.replace(r"\.0$", "")
    return s.to_list()


def dispatch_interval(ts: dt.datetime) -> str:
    """DISPATCHINTERVAL: trading day (starts 04:00) + period 001..288 (04:05 = 001)."""
    shifted = ts - dt.timedelta(hours=4, minutes=5)
    period = (shifted.hour * 60 + shifted.minute) // 5 + 1
    return f"{shifted:%Y%m%d}{period:03d}"


def csv_text(report_id: str, group: str, created: dt.datetime, file_id: int, second_id: int,
             body: Sequence[str]) -> bytes:  # fmt: skip
    """A whole AEMO CSV: header C row, the I/D lines in `body`, footer counting every line."""
    header = (
        f"C,NEMP.WORLD,{report_id},{PUBLISHER},PUBLIC,{created:%Y/%m/%d},{created:%H:%M:%S},"
        f"{file_id:016d},{group},{second_id:016d}"
    )
    lines = [header, *body, f'C,"END OF REPORT",{len(body) + 2}']
    return (CRLF.join(lines) + CRLF).encode("ascii")


def zip_one(member: str, data: bytes, when: dt.datetime) -> bytes:
    """A zip holding one member, stamped with its publication time (as AEMO's are)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(member, date_time=when.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, data, compresslevel=6)
    return buf.getvalue()


def zip_many(members: Iterable[tuple[str, bytes, dt.datetime]]) -> bytes:
    """A Reports/Archive bundle: the Current zips, unchanged, as members of one zip."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, when in members:
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data, compresslevel=1)
    return buf.getvalue()


@dataclass(frozen=True)
class SourceFile:
    """One Current file: its NEMWeb name, zip bytes, publication time, and interval."""

    name: str
    data: bytes
    published: dt.datetime
    interval: dt.datetime  # interval end (dispatch) or file label time (rooftop)


# --- Dispatch_SCADA ------------------------------------------------------------------------


def scada_lines(ts_text: str, duids: Sequence[str], values: Sequence[str], lastchanged: str) -> list[str]:
    prefix = f"D,DISPATCH,UNIT_SCADA,1,{ts_text},"
    suffix = f",{lastchanged}"
    return [formats.SCADA_I_ROW] + [f"{prefix}{d},{v}{suffix}" for d, v in zip(duids, values, strict=True)]


def scada_file(ts: dt.datetime, duids: Sequence[str], values: Sequence[str], republish_delay_min: int = 0) -> SourceFile:
    """PUBLIC_DISPATCHSCADA_<yyyymmddHHMM>_<id>.zip for the interval ending `ts`."""
    created = ts - dt.timedelta(minutes=5, seconds=-23) + dt.timedelta(minutes=republish_delay_min)
    lastchanged = created - dt.timedelta(seconds=1)
    fid = event_id(ts, 6) + republish_delay_min // 5 * _IDS_PER_INTERVAL
    stem = f"PUBLIC_DISPATCHSCADA_{ts:%Y%m%d%H%M}_{fid:016d}"
    body = scada_lines(aemo_ts(ts), duids, values, aemo_ts(lastchanged))
    data = csv_text("DISPATCHSCADA", "DISPATCHSCADA", created, fid, fid - 6, body)
    return SourceFile(f"{stem}.zip", zip_one(f"{stem}.CSV", data, created), created, ts)


# --- DispatchIS_Reports --------------------------------------------------------------------


_COLS = {sub: row.split(",") for sub, row in formats.DISPATCHIS_I_ROWS.items()}
_TRADING_COLS = {sub: row.split(",") for sub, row in formats.TRADINGIS_I_ROWS.items()}


def _fill(template: str, cols: list[str], values: dict[str, str]) -> str:
    """The real template D row with the modelled fields replaced (splitting on commas is safe:
    the templates hold no quoted commas)."""
    fields = template.split(",")
    for col, val in values.items():
        fields[cols.index(col)] = val
    return ",".join(fields)


def _row(sub: str, key: str, values: dict[str, str]) -> str:
    return _fill(formats.DISPATCHIS_TEMPLATES[(sub, key)], _COLS[sub], values)


@dataclass
class DispatchValues:
    """One interval's DispatchIS numbers, already chosen by the model (per region / link / pair)."""

    price: Sequence[float]  # per region
    demand: Sequence[float]  # DEMAND_AND_NONSCHEDGEN (every unit + net import)
    nonscheduled: Sequence[float]  # MW of non-scheduled units: TOTALDEMAND = demand - nonscheduled
    available: Sequence[float]
    dispatchable_gen: Sequence[float]
    dispatchable_load: Sequence[float]
    net_interchange: Sequence[float]
    intermittent: Sequence[float]
    metered: Sequence[float]  # per link
    target: Sequence[float]
    losses: Sequence[float]
    marginal: Sequence[float]
    export_limit: Sequence[float]
    import_limit: Sequence[float]
    ss_available: np.ndarray | None = None  # (regions, 2): solar, wind UIGF
    ss_cleared: np.ndarray | None = None  # (regions, 2): solar, wind cleared MW
    bdu: dict[str, np.ndarray] | None = None  # name -> (regions,), NaN where a region has no BDU


_BDU_COLUMNS = {"stored": "BDU_ENERGY_STORAGE", "initial": "BDU_INITIAL_ENERGY_STORAGE", "gen": "BDU_CLEAREDMW_GEN",
                "load": "BDU_CLEAREDMW_LOAD", "min_avail": "BDU_MIN_AVAIL", "max_avail": "BDU_MAX_AVAIL"}  # fmt: skip


def _semi_scheduled(v: DispatchValues, i: int) -> dict[str, str]:
    """REGIONSUM's semi-scheduled (UIGF, cleared, per fuel) and BDU fields of region i."""
    if v.ss_available is None or v.ss_cleared is None:
        return {"UIGF": number(v.intermittent[i] * 1.03), "SEMISCHEDULE_CLEAREDMW": number(v.intermittent[i])}
    (sa, wa), (sc, wc) = v.ss_available[i], v.ss_cleared[i]
    out = {
        "UIGF": number(sa + wa), "SEMISCHEDULE_CLEAREDMW": number(sc + wc),
        "SS_SOLAR_UIGF": number(sa), "SS_WIND_UIGF": number(wa), "SS_SOLAR_CLEAREDMW": number(sc),
        "SS_WIND_CLEAREDMW": number(wc), "SS_SOLAR_COMPLIANCEMW": number(0.0), "SS_WIND_COMPLIANCEMW": number(0.0),
        "SS_SOLAR_AVAILABILITY": number(sa), "SS_WIND_AVAILABILITY": number(wa),
    }  # fmt: skip
    for key, col in _BDU_COLUMNS.items():
        x = (v.bdu or {}).get(key)
        out[col] = "" if x is None or np.isnan(x[i]) else number(float(x[i]))  # blank like AEMO's TAS1 row
    return out


def dispatchis_file(ts: dt.datetime, v: DispatchValues) -> SourceFile:
    """PUBLIC_DISPATCHIS_<yyyymmddHHMM>_<id>.zip: CASE_SOLUTION, PRICE, REGIONSUM, INTERCONNECTORRES,
    INTERCONNECTION (CONSTRAINT and LOCAL_PRICE have no rows here, so, as in real files, no I row)."""
    created = ts - dt.timedelta(minutes=5, seconds=-21)
    lc = aemo_ts(created - dt.timedelta(seconds=6))
    t, di = aemo_ts(ts), dispatch_interval(ts)
    body = [formats.DISPATCHIS_I_ROWS["CASE_SOLUTION"], _row("CASE_SOLUTION", "", {"SETTLEMENTDATE": t, "LASTCHANGED": lc})]
    body.append(formats.DISPATCHIS_I_ROWS["PRICE"])
    for i, r in enumerate(REGIONS):
        p = number(v.price[i])
        body.append(_row("PRICE", r, {"SETTLEMENTDATE": t, "DISPATCHINTERVAL": di, "RRP": p, "ROP": p,
                                      "PRE_AP_ENERGY_PRICE": p, "LASTCHANGED": lc}))  # fmt: skip
    body.append(formats.DISPATCHIS_I_ROWS["REGIONSUM"])
    for i, r in enumerate(REGIONS):
        d = v.demand[i] - v.nonscheduled[i]  # TOTALDEMAND: met by scheduled + semi-scheduled units
        body.append(_row("REGIONSUM", r, {
            "SETTLEMENTDATE": t, "DISPATCHINTERVAL": di, "TOTALDEMAND": number(d, 2),
            "AVAILABLEGENERATION": number(v.available[i]), "DEMANDFORECAST": number(0.0),
            "DISPATCHABLEGENERATION": number(v.dispatchable_gen[i], 2),
            "DISPATCHABLELOAD": number(v.dispatchable_load[i], 2),
            "NETINTERCHANGE": number(v.net_interchange[i], 2), "LASTCHANGED": lc,
            "INITIALSUPPLY": number(d), "CLEAREDSUPPLY": number(d, 2),
            "TOTALINTERMITTENTGENERATION": number(v.intermittent[i]),
            "DEMAND_AND_NONSCHEDGEN": number(v.demand[i], 2),
            "SEMISCHEDULE_COMPLIANCEMW": number(0.0), **_semi_scheduled(v, i),
        }))  # fmt: skip
    body.append(formats.DISPATCHIS_I_ROWS["INTERCONNECTORRES"])
    for j, lk in enumerate(LINKS):
        body.append(_row("INTERCONNECTORRES", lk.interconnector_id, {
            "SETTLEMENTDATE": t, "DISPATCHINTERVAL": di, "METEREDMWFLOW": number(v.metered[j]),
            "MWFLOW": number(v.target[j]), "MWLOSSES": number(v.losses[j]),
            "MARGINALVALUE": number(v.marginal[j]), "LASTCHANGED": lc,
            "EXPORTLIMIT": number(v.export_limit[j]), "IMPORTLIMIT": number(v.import_limit[j]),
        }))  # fmt: skip
    body.append(formats.DISPATCHIS_I_ROWS["INTERCONNECTION"])
    for pair in PAIRS[:3]:  # AEMO writes the regulated region pairs only (no Basslink row)
        idx = [j for j, lk in enumerate(LINKS) if (lk.region_from, lk.region_to) == pair]
        loss = sum(v.losses[j] for j in idx)
        body.append(_row("INTERCONNECTION", f"{pair[0]}>{pair[1]}", {
            "SETTLEMENTDATE": t, "DISPATCHINTERVAL": di, "MWFLOW": number(sum(v.target[j] for j in idx)),
            "METEREDMWFLOW": number(sum(v.metered[j] for j in idx)),
            "FROM_REGION_MW_LOSSES": number(loss / 2), "TO_REGION_MW_LOSSES": number(loss / 2),
            "LASTCHANGED": lc,
        }))  # fmt: skip
    fid = event_id(ts, 1)
    stem = f"PUBLIC_DISPATCHIS_{ts:%Y%m%d%H%M}_{fid:016d}"
    data = csv_text("DISPATCHIS", "DISPATCHIS", created, fid, fid - 1, body)
    return SourceFile(f"{stem}.zip", zip_one(f"{stem}.CSV", data, created), created, ts)


# --- TradingIS_Reports ---------------------------------------------------------------------


def trading_period(ts: dt.datetime) -> int:
    """TRADING PERIODID since five-minute settlement: 1..288 counted from midnight, 1 = the
    interval ending 00:05 (so the interval ending 00:00 is period 288 of the day before)."""
    start = ts - dt.timedelta(minutes=5)
    return (start.hour * 60 + start.minute) // 5 + 1


def tradingis_file(ts: dt.datetime, price: Sequence[float], metered: Sequence[float],
                   target: Sequence[float], losses: Sequence[float]) -> SourceFile:  # fmt: skip
    """PUBLIC_TRADINGIS_<yyyymmddHHMM>_<id>.zip for the trading interval ending `ts`.

    Since five-minute settlement (2021-10-01) a trading interval is one dispatch interval and its
    price is the dispatch RRP, so RRP (and ROP) are the interval's dispatch price (`price` per
    region in REGIONS order) and the flows its dispatch flows (per link in LINKS order).
    Tables INTERCONNECTORRES then PRICE, PRICE rows SA1 NSW1 QLD1 TAS1 VIC1, as AEMO writes them.
    """
    created = ts - dt.timedelta(minutes=5, seconds=-11)
    lc = aemo_ts(created - dt.timedelta(seconds=7))
    t, period = aemo_ts(ts), str(trading_period(ts))
    cols = _TRADING_COLS["INTERCONNECTORRES"]
    body = [formats.TRADINGIS_I_ROWS["INTERCONNECTORRES"]]
    for j, lk in enumerate(LINKS):
        body.append(_fill(formats.TRADINGIS_TEMPLATES[("INTERCONNECTORRES", lk.interconnector_id)], cols, {
            "SETTLEMENTDATE": t, "PERIODID": period, "METEREDMWFLOW": number(metered[j], 2),
            "MWFLOW": number(target[j], 2), "MWLOSSES": number(losses[j], 2), "LASTCHANGED": lc,
        }))  # fmt: skip
    cols = _TRADING_COLS["PRICE"]
    body.append(formats.TRADINGIS_I_ROWS["PRICE"])
    for r in formats.TRADINGIS_PRICE_REGIONS:
        p = number(price[REGIONS.index(r)])
        body.append(_fill(formats.TRADINGIS_TEMPLATES[("PRICE", r)], cols, {
            "SETTLEMENTDATE": t, "PERIODID": period, "RRP": p, "ROP": p, "LASTCHANGED": lc,
        }))  # fmt: skip
    fid = event_id(ts, 3)
    stem = f"PUBLIC_TRADINGIS_{ts:%Y%m%d%H%M}_{fid:016d}"
    data = csv_text("TRADINGIS", "TRADINGIS", created, fid, fid - 1, body)
    return SourceFile(f"{stem}.zip", zip_one(f"{stem}.CSV", data, created), created, ts)


# --- ROOFTOP_PV/ACTUAL ---------------------------------------------------------------------


ROOFTOP_KINDS = ("MEASUREMENT", "SATELLITE")


def rooftop_file(interval: dt.datetime, power: dict[str, float], kind: str = "MEASUREMENT") -> SourceFile:
    """PUBLIC_ROOFTOP_PV_ACTUAL_<kind>_<label>_<id>.zip for the half hour ending `interval`;
    the label (publication) time is the interval end + 30 minutes. Sub-regions sum to their parent.

    `kind` MEASUREMENT or SATELLITE: the two streams AEMO publishes side by side. As in the real
    files, SATELLITE rows have QI 0.6 and a slightly later LASTCHANGED, and the header's second id
    is the file id - 1 (MEASUREMENT: the same id).
    """
    if kind not in ROOFTOP_KINDS:
        raise ValueError(f"rooftop kind must be one of {ROOFTOP_KINDS}: {kind!r}")
    satellite = kind == "SATELLITE"
    label = interval + dt.timedelta(minutes=30)
    created = label + dt.timedelta(seconds=2)
    lc = aemo_ts(interval + (dt.timedelta(minutes=20, seconds=27) if satellite else dt.timedelta(minutes=19, seconds=12)))
    rows: list[tuple[str, float, str]] = []
    for r in REGIONS:
        subs = ROOFTOP_SUBREGIONS.get(r, ())
        parts = [(s, round(power[r] * f, 3)) for s, f in subs]
        total = round(sum(p for _, p in parts), 3) if parts else round(power[r], 3)
        qi = "0.6" if satellite else "0.7" if r == "TAS1" else "1"
        rows.append((r, total, qi))
        rows.extend((s, p, "0.6" if satellite else "1") for s, p in parts)
    rows.sort(key=lambda x: x[0])
    t = aemo_ts(interval)
    body = [formats.ROOFTOP_I_ROW] + [f"D,ROOFTOP,ACTUAL,2,{t},{r},{number(p, 3)},{qi},{kind},{lc}" for r, p, qi in rows]
    fid = event_id(label, 11 if satellite else 9)
    stem = f"PUBLIC_ROOFTOP_PV_ACTUAL_{kind}_{label:%Y%m%d%H%M%S}_{fid:016d}"
    data = csv_text(f"ROOFTOP_PV_ACTUAL_{kind}", "DEMAND", created, fid, fid - 1 if satellite else fid, body)
    return SourceFile(f"{stem}.zip", zip_one(f"{stem}.csv", data, created), created, label)
