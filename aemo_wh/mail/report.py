"""The daily report: yesterday's NEM day from the views, as HTML (inline CSS, cid: charts) + text.

The NEM day D covers the intervals ending after D 00:00 up to and including D+1 00:00
(NEM time, interval-END labels). Every figure comes from a SQL query over the views
(`region_price`, `energy_balance`, `fuel_stack`, `unit_revenue`, `interconnector_flow`, the
`stale_scada_runs` and `unknown_duids_since` macros) with bound parameters, each over the report's
day; nothing is recomputed from raw tables here.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import duckdb

from aemo_wh.config import Settings
from aemo_wh.errors import AemoWhError
from aemo_wh.log import get_logger
from aemo_wh.mail import charts, compose, outbox
from aemo_wh.mail.render import Table, money, num, render
from aemo_wh.mail.settings import email_configured
from aemo_wh.mail.state import file_lock, read_json, state_dir, write_json_atomic
from aemo_wh.nemtime import now_nem

logger = get_logger(__name__)

FUEL_ORDER = ("Coal", "Gas", "Hydro", "Wind", "Solar", "Rooftop Solar", "Battery", "Bioenergy", "Distillate",
              "Other", "Battery Charging", "Pumps")
RENEWABLE = ("Hydro", "Wind", "Solar", "Rooftop Solar", "Bioenergy")
LOADS = ("Battery Charging", "Pumps")
INTERVALS_PER_DAY = 288


@dataclass
class Report:
    """A rendered report and the figures behind it (tests read `facts`)."""

    day: dt.date
    subject: str
    html: str
    text: str
    images: list[compose.InlineImage]
    facts: dict[str, Any] = field(default_factory=dict)

    def message(self, settings: Settings) -> EmailMessage:
        return compose.build_message(settings.email, self.subject, self.text, html=self.html, images=self.images,
                                     headers={"X-AEMO-WH-Report": self.day.isoformat()})

    def standalone_html(self) -> str:
        """The HTML with each `cid:` image inlined as a data: URI, for a browser or an archive."""
        html = self.html
        for img in self.images:
            data = base64.b64encode(img.png).decode()
            html = html.replace(f"cid:{img.cid}", f"data:image/png;base64,{data}")
        return html


def default_report_day(now: dt.datetime | None = None) -> dt.date:
    """Yesterday in NEM time."""
    return (now or now_nem()).date() - dt.timedelta(days=1)


def _window(day: dt.date) -> dict[str, dt.datetime]:
    start = dt.datetime.combine(day, dt.time())
    return {"start": start, "end": start + dt.timedelta(days=1)}


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


PRICE_SQL = """
with p as (
    select settlementdate, region_id, rrp from region_price
    where settlementdate > $start and settlementdate <= $end and rrp is not null
), d as (
    select settlementdate, region_id, total_demand_mw from energy_balance
    where settlementdate > $start and settlementdate <= $end
)
select p.region_id,
       count(*) as intervals,
       avg(p.rrp) as avg_price,
       sum(p.rrp * d.total_demand_mw) filter (where d.total_demand_mw > 0)
         / nullif(sum(d.total_demand_mw) filter (where d.total_demand_mw > 0), 0) as vw_price,
       min(p.rrp) as min_price, arg_min(p.settlementdate, p.rrp) as min_at,
       max(p.rrp) as max_price, arg_max(p.settlementdate, p.rrp) as max_at,
       count(*) filter (where p.rrp < 0) * 5 / 60.0 as negative_hours,
       sum(d.total_demand_mw) * 5 / 60.0 / 1000 as demand_gwh
from p left join d using (settlementdate, region_id)
group by p.region_id order by p.region_id
"""

MIX_SQL = """
select region_id, fuel_class, sum(mw) * 5 / 60.0 / 1000 as gwh
from fuel_stack
where settlementdate > $start and settlementdate <= $end and fuel_class <> 'Transmission'
group by region_id, fuel_class
"""

STACK_SQL = """
select settlementdate, fuel_class, sum(mw) as mw
from fuel_stack
where region_id = 'NEM' and settlementdate > $start and settlementdate <= $end
group by settlementdate, fuel_class order by settlementdate
"""

SERIES_SQL = """
select settlementdate, region_id, rrp from region_price
where settlementdate > $start and settlementdate <= $end order by settlementdate
"""

TOP_SQL = """
select coalesce(station_name, duid) as station, any_value(region_id) as region_id,
       string_agg(distinct fuel_class, ', ') as fuel_class,
       sum(revenue_aud) as revenue_aud, sum(energy_mwh) as energy_mwh
from unit_revenue
where settlementdate > $start and settlementdate <= $end
group by 1
having sum(revenue_aud) > 0
order by revenue_aud desc limit 10
"""

IC_SQL = """
select interconnector_id, any_value(from_region) as from_region, any_value(to_region) as to_region,
       avg(metered_mw) as avg_mw, max(metered_mw) as max_mw, min(metered_mw) as min_mw,
       sum(metered_mw) filter (where metered_mw > 0) * 5 / 60.0 / 1000 as forward_gwh,
       -sum(metered_mw) filter (where metered_mw < 0) * 5 / 60.0 / 1000 as reverse_gwh,
       count(*) filter (where at_limit) * 5 / 60.0 as hours_at_limit,
       count(*) as intervals
from interconnector_flow
where settlementdate > $start and settlementdate <= $end
group by interconnector_id order by hours_at_limit desc, interconnector_id
"""

COVERAGE_SQL = """
select 'Dispatch prices' as dataset, count(distinct settlementdate) as present from region_price
    where settlementdate > $start and settlementdate <= $end
union all
select 'Unit SCADA', count(distinct settlementdate) from unit_generation
    where settlementdate > $start and settlementdate <= $end
union all
select 'Interconnector flows', count(distinct settlementdate) from interconnector_flow
    where settlementdate > $start and settlementdate <= $end
union all
select 'Rooftop PV (5-min)', count(distinct settlementdate) from rooftop_5min
    where settlementdate > $start and settlementdate <= $end
"""

GAPS_SQL = """
with expected as (
    select unnest(generate_series($start + interval 5 minute, $end, interval 5 minute)) as settlementdate
)
select e.settlementdate from expected e
anti join (select distinct settlementdate from region_price
           where settlementdate > $start and settlementdate <= $end) p using (settlementdate)
order by 1
"""


def _fmt_time(ts: dt.datetime | None) -> str:
    return ts.strftime("%H:%M") if ts else "–"


def _gap_ranges(times: list[dt.datetime]) -> list[str]:
    """[10:05, 10:10, 10:15, 14:00] -> ["10:05–10:15", "14:00"]."""
    out: list[list[dt.datetime]] = []
    for t in times:
        if out and t - out[-1][1] == dt.timedelta(minutes=5):
            out[-1][1] = t
        else:
            out.append([t, t])
    return [f"{a:%H:%M}" if a == b else f"{a:%H:%M}–{b:%H:%M}" for a, b in out]


def gather(con: duckdb.DuckDBPyConnection, day: dt.date, settings: Settings) -> dict[str, Any]:
    """Every figure of the report for one NEM day (plain Python values)."""
    w = _window(day)
    facts: dict[str, Any] = {"day": day, "start": w["start"], "end": w["end"]}
    facts["prices"] = _rows(con, PRICE_SQL, w)
    if not facts["prices"]:
        raise AemoWhError(
            f"no dispatch prices for the NEM day {day} in the warehouse",
            hint="Pick a day that has data (`aemo-wh status` shows the range) with --date YYYY-MM-DD.",
        )
    mix = _rows(con, MIX_SQL, w)
    nem = {r["fuel_class"]: r["gwh"] or 0.0 for r in mix if r["region_id"] == "NEM"}
    generation = sum(v for f, v in nem.items() if f not in LOADS and v > 0)
    facts["mix"] = [
        {"fuel_class": f, "gwh": nem[f], "pct": (100 * nem[f] / generation) if generation and f not in LOADS else None}
        for f in FUEL_ORDER if f in nem and abs(nem[f]) > 1e-9
    ]
    facts["generation_gwh"] = generation
    facts["renewable_pct"] = (100 * sum(nem.get(f, 0.0) for f in RENEWABLE) / generation) if generation else None
    by_region: dict[str, dict[str, float]] = {}
    for r in mix:
        if r["region_id"] != "NEM":
            by_region.setdefault(r["region_id"], {})[r["fuel_class"]] = r["gwh"] or 0.0
    facts["renewable_by_region"] = {}
    for region, fuels in sorted(by_region.items()):
        gen = sum(v for f, v in fuels.items() if f not in LOADS and v > 0)
        facts["renewable_by_region"][region] = (100 * sum(fuels.get(f, 0.0) for f in RENEWABLE) / gen) if gen else None
    facts["top_stations"] = _rows(con, TOP_SQL, w)
    facts["interconnectors"] = _rows(con, IC_SQL, w)
    facts["coverage"] = _rows(con, COVERAGE_SQL, w)
    facts["price_gaps"] = [r["settlementdate"] for r in _rows(con, GAPS_SQL, w)]
    facts["frozen_runs"] = con.execute(
        "select count(*) from stale_scada_runs($start, $end)", {"start": w["start"], "end": w["end"]}).fetchall()[0][0]
    from aemo_wh.mail.alerts import unknown_duids

    facts["unknown_duids"] = [r for r in unknown_duids(con, w["start"]) if r["first_seen"] <= w["end"]]
    facts["stack"] = _rows(con, STACK_SQL, w)
    facts["series"] = _rows(con, SERIES_SQL, w)
    return facts


def _charts(facts: dict[str, Any], sender: str) -> dict[str, compose.InlineImage]:
    day = facts["day"]
    # the whole day's grid; an interval without unit SCADA is a gap (NaN), not a dip to zero
    times = [facts["start"] + dt.timedelta(minutes=5 * i) for i in range(1, INTERVALS_PER_DAY + 1)]
    index = {t: i for i, t in enumerate(times)}
    have_units = {r["settlementdate"] for r in facts["stack"] if r["fuel_class"] != "Rooftop Solar"}
    series: dict[str, list[float]] = {}
    for r in facts["stack"]:
        values = series.setdefault(r["fuel_class"], [0.0] * len(times))
        values[index[r["settlementdate"]]] = r["mw"] or 0.0
    for t in times:
        if t not in have_units:
            for values in series.values():
                values[index[t]] = math.nan
    prices: dict[str, tuple[list[dt.datetime], list[float]]] = {}
    for r in facts["series"]:
        ts, vs = prices.setdefault(r["region_id"], ([], []))
        ts.append(r["settlementdate"])
        vs.append(r["rrp"])
    out = {}
    if have_units:
        cid = compose.new_cid("fuel-stack", sender)
        out["fuel_stack"] = compose.InlineImage(cid, charts.fuel_stack_png(day, times, series, FUEL_ORDER),
                                                f"nem-fuel-stack-{day}.png")
    cid = compose.new_cid("prices", sender)
    out["prices"] = compose.InlineImage(cid, charts.prices_png(day, prices), f"nem-prices-{day}.png")
    return out


def _tables(facts: dict[str, Any]) -> dict[str, Table]:
    prices = Table(
        columns=("Region", "Average", "Volume-weighted", "Min", "at", "Max", "at ", "Negative h"),
        rows=[{"Region": r["region_id"], "Average": money(r["avg_price"]), "Volume-weighted": money(r["vw_price"]),
               "Min": money(r["min_price"]), "at": _fmt_time(r["min_at"]), "Max": money(r["max_price"]),
               "at ": _fmt_time(r["max_at"]), "Negative h": num(r["negative_hours"], 1)} for r in facts["prices"]],
        numeric=frozenset({"Average", "Volume-weighted", "Min", "Max", "Negative h"}),
    )
    mix = Table(
        columns=("Fuel", "GWh", "Share"),
        rows=[{"Fuel": r["fuel_class"], "GWh": num(r["gwh"], 2),
               "Share": f"{r['pct']:.1f}%" if r["pct"] is not None else "(load)"} for r in facts["mix"]],
        numeric=frozenset({"GWh", "Share"}),
    )
    top = Table(
        columns=("#", "Station", "Region", "Fuel", "Revenue", "MWh", "$/MWh"),
        rows=[{"#": str(i), "Station": r["station"], "Region": r["region_id"] or "–", "Fuel": r["fuel_class"] or "–",
               "Revenue": money(r["revenue_aud"], 0), "MWh": num(r["energy_mwh"]),
               "$/MWh": money(r["revenue_aud"] / r["energy_mwh"]) if r["energy_mwh"] else "–"}
              for i, r in enumerate(facts["top_stations"], start=1)],
        numeric=frozenset({"#", "Revenue", "MWh", "$/MWh"}),
    )
    ics = Table(
        columns=("Interconnector", "From → To", "Avg MW", "Range MW", "GWh →", "GWh ←", "Hours at limit"),
        rows=[{"Interconnector": r["interconnector_id"], "From → To": f"{r['from_region']} → {r['to_region']}",
               "Avg MW": num(r["avg_mw"]), "Range MW": f"{num(r['min_mw'])} … {num(r['max_mw'])}",
               "GWh →": num(r["forward_gwh"] or 0.0, 2), "GWh ←": num(r["reverse_gwh"] or 0.0, 2),
               "Hours at limit": num(r["hours_at_limit"], 2)} for r in facts["interconnectors"]],
        numeric=frozenset({"Avg MW", "Range MW", "GWh →", "GWh ←", "Hours at limit"}),
    )
    coverage = Table(
        columns=("Dataset", "Intervals", "Missing"),
        rows=[{"Dataset": r["dataset"], "Intervals": f"{r['present']} / {INTERVALS_PER_DAY}",
               "Missing": str(max(INTERVALS_PER_DAY - r["present"], 0))} for r in facts["coverage"]],
        numeric=frozenset({"Intervals", "Missing"}),
    )
    unknown = Table(
        columns=("DUID", "First seen", "Max MW", "Intervals"),
        rows=[{"DUID": r["duid"], "First seen": f"{r['first_seen']:%Y-%m-%d %H:%M}", "Max MW": num(r["max_mw"], 1),
               "Intervals": f"{r['intervals_seen']:,}"} for r in facts["unknown_duids"]],
        numeric=frozenset({"Max MW", "Intervals"}),
    )
    return {"prices": prices, "mix": mix, "top": top, "interconnectors": ics, "coverage": coverage,
            "unknown": unknown}


def build_report(settings: Settings, day: dt.date, con: duckdb.DuckDBPyConnection | None = None) -> Report:
    """Query, chart and render the report for one NEM day (raises AemoWhError when there is no data)."""
    if con is None:
        from aemo_wh.views import connect

        con = connect(settings)
    facts = gather(con, day, settings)
    images = _charts(facts, settings.email.sender)
    tables = _tables(facts)
    nem_avg = None
    demand = sum((r["demand_gwh"] or 0.0) for r in facts["prices"])
    if demand:
        nem_avg = sum((r["vw_price"] or 0.0) * (r["demand_gwh"] or 0.0) for r in facts["prices"]) / demand
    facts["nem_vw_price"] = nem_avg
    headline = [
        ("NEM volume-weighted price", money(nem_avg) + "/MWh" if nem_avg is not None else "–"),
        ("Renewable share", f"{facts['renewable_pct']:.1f}%" if facts["renewable_pct"] is not None else "–"),
        ("Generation", f"{num(facts['generation_gwh'], 1)} GWh"),
        ("Highest price", max(((money(r["max_price"], 0) + f" {r['region_id']} {_fmt_time(r['max_at'])}", r["max_price"])
                               for r in facts["prices"]), key=lambda x: x[1])[0]),
    ]
    ctx = {
        "day": day, "day_label": day.strftime("%A %d %B %Y"), "facts": facts, "tables": tables, "headline": headline,
        "images": {k: v.cid for k, v in images.items()}, "gaps": _gap_ranges(facts["price_gaps"]),
        "renewable_by_region": facts["renewable_by_region"], "intervals_per_day": INTERVALS_PER_DAY,
        "frozen_runs": facts["frozen_runs"],
    }
    subject = (f"[aemo-wh] NEM daily report {day:%a %d %b %Y}: "
               f"{headline[0][1]}, renewables {headline[1][1]}")
    return Report(day=day, subject=subject, html=render("report.html.j2", **ctx), text=render("report.txt.j2", **ctx),
                  images=list(images.values()), facts=facts)


def send_report(settings: Settings, report: Report) -> tuple[str, outbox.FlushSummary]:
    """Queue the report and try to deliver it now (it stays in the outbox on failure)."""
    return outbox.send_now(settings, report.message(settings), "report")


def send_daily_report(settings: Settings, day: dt.date | None = None) -> str | None:
    """For the scheduler: build and queue the report for `day` once (a restart does not re-send).

    Returns the outbox id, or None when it was already queued or there is no data.
    """
    day = day or default_report_day()
    if not email_configured(settings.email):
        logger.info("daily report for %s not sent: email is not configured (email.smtp_host)", day)
        return None
    marker = state_dir(settings) / "report.json"
    with file_lock(state_dir(settings) / "report.lock"):
        done = read_json(marker, {})
        if done.get("last_day") == day.isoformat():
            logger.info("daily report for %s was already queued (%s)", day, done.get("id"))
            return None
        try:
            report = build_report(settings, day)
        except AemoWhError as exc:
            logger.warning("daily report for %s not built: %s", day, exc.msg)
            return None
        msg_id = outbox.enqueue(settings, report.message(settings), "report")
        write_json_atomic(marker, {"last_day": day.isoformat(), "id": msg_id})
    summary = outbox.flush_outbox(settings)
    if summary.error:
        logger.warning("daily report for %s queued but not delivered yet: %s", day, summary.error)
    return msg_id
