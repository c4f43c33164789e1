"""Alert rules, run after every ingest (`run_alert_rules`) and by `aemo-wh alerts check`.

Four rules, each remembering what it already said in `warehouse/_state/alerts.json`:

* Unknown DUIDs: SCADA for a DUID the registry (incl. the overrides file) does not know. One
  email lists every new one. A DUID is alerted again only after the cooldown, and only if it
  is still unknown and has produced SCADA since.
* Price: per region and threshold (`>= high`, `<= low`) on the 5-minute price. One email when
  the price crosses (all thresholds crossed in the same interval share it), one follow-up
  when it returns. Crossings older than `price_lookback_minutes` (first run, backfill) update
  the state but are not emailed.
* Freshness: no new dispatch interval for `freshness_minutes` -> one alert; one on recovery.
* Cumulative price: a region's rolling 7-day sum of prices (`cumulative_price`) reaching
  `cpt_warn_pct` (80 %) of the cumulative price threshold -> one alert (at 100 % AEMO applies
  administered pricing); one when it falls back below. Only the newest interval is judged.

Order matters for "never re-send, never forget": messages are queued in the outbox first
(durable), then the state is saved, then the outbox is flushed. Email problems are logged
and reported in the summary; they never raise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import duckdb

from aemo_wh.config import Settings
from aemo_wh.errors import ConfigError
from aemo_wh.log import get_logger
from aemo_wh.mail import compose, outbox
from aemo_wh.mail.render import Table, money, num, render
from aemo_wh.mail.settings import email_configured, validate_email_settings
from aemo_wh.mail.state import file_lock, load_alert_state, save_alert_state, state_dir
from aemo_wh.nemtime import now_nem

logger = get_logger(__name__)

REGIONS = ("NSW1", "QLD1", "SA1", "TAS1", "VIC1")
MAX_LISTED = 100  # DUIDs listed in one email (after a backfill there can be hundreds)
COLOURS = {"unknown_duid": "#8a5a00", "price": "#b42318", "price_end": "#2f6f3e",
           "stale": "#b42318", "recovered": "#2f6f3e", "cpt": "#b42318", "cpt_end": "#2f6f3e"}
KIND_LABELS = {"unknown_duid": "Registry", "price": "Price alert", "price_end": "Price alert",
               "stale": "Data freshness", "recovered": "Data freshness", "cpt": "Cumulative price",
               "cpt_end": "Cumulative price"}


@dataclass
class Alert:
    """One email to send."""

    kind: str  # unknown_duid | price | price_end | stale | recovered | cpt | cpt_end
    subject: str
    paragraphs: list[str]
    table: Table | None = None
    footer: list[str] = field(default_factory=list)


@dataclass
class AlertSummary:
    """What one run of the rules found and did."""

    checked_at: str = ""
    latest_interval: str = ""
    new_unknown_duids: list[str] = field(default_factory=list)
    price_events: list[str] = field(default_factory=list)
    freshness: str = ""
    cumulative_price: list[str] = field(default_factory=list)  # regions at or above the warning, with %
    alerts: list[str] = field(default_factory=list)  # subjects of the emails queued
    queued: list[str] = field(default_factory=list)  # outbox ids
    sent: list[str] = field(default_factory=list)
    still_queued: int = 0
    config_error: str = ""
    delivery_error: str = ""

    def describe(self) -> str:
        """A few lines for the terminal."""
        lines = [f"alert rules checked at {self.checked_at} (NEM); newest dispatch interval {self.latest_interval or 'none'}"]
        lines.append(f"  unknown DUIDs newly alerted: {', '.join(self.new_unknown_duids) or 'none'}")
        lines.append(f"  price events: {'; '.join(self.price_events) or 'none'}")
        lines.append(f"  data freshness: {self.freshness}")
        lines.append(f"  cumulative price at the warning level: {'; '.join(self.cumulative_price) or 'none'}")
        if self.config_error:
            lines.append(f"  NOT SENT: {self.config_error}")
            lines.extend(f"    would send: {s}" for s in self.alerts)
        else:
            lines.extend(f"  queued: {s}" for s in self.alerts)
            lines.append(f"  outbox: sent {len(self.sent)}, waiting {self.still_queued}")
        if self.delivery_error:
            lines.append(f"  delivery failed (kept in the outbox, retried later): {self.delivery_error}")
        return "\n".join(lines)


def _iso(ts: dt.datetime | None) -> str | None:
    return ts.isoformat(sep=" ", timespec="minutes") if ts else None


def _parse(ts: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(ts) if ts else None


def _hm(ts: dt.datetime) -> str:
    return ts.strftime("%a %d %b %H:%M")


# --- unknown DUIDs -----------------------------------------------------------------------


def unknown_duids(con: duckdb.DuckDBPyConnection, since: dt.datetime) -> list[dict[str, Any]]:
    """DUIDs with SCADA after `since` and no registry entry, newest first (`unknown_duids_since`).

    Keys: duid, first_seen (ever), last_seen, max_mw, intervals_seen, min_mw (in the window).
    """
    cur = con.execute("select * from unknown_duids_since(?) order by first_seen desc, duid", [since])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def check_unknown_duids(
    con: duckdb.DuckDBPyConnection, state: dict[str, Any], settings: Settings, now: dt.datetime,
    latest: dt.datetime | None,
) -> tuple[list[Alert], list[str]]:
    """The unknown-DUID rule: one alert listing every DUID that is new or past its cooldown.

    Only SCADA of the last `unknown_duid_recent_days` before the newest interval is read, so a
    backfill of retired units stays quiet and the cost does not grow with the warehouse.
    """
    seen: dict[str, Any] = state["unknown_duids"]
    cooldown = dt.timedelta(days=settings.alerts.unknown_duid_cooldown_days)
    recent = dt.timedelta(days=settings.alerts.unknown_duid_recent_days)
    if seen:
        known = {r[0] for r in con.execute(
            "select duid from duid_info where list_contains(?, duid)", [list(seen)]).fetchall()}  # fmt: skip
        for duid in sorted(known):
            logger.info("DUID %s is no longer unknown (registry or overrides); alert state cleared", duid)
            del seen[duid]
    if latest is None:
        return [], []
    # A DUID whose SCADA only ever read 0 MW loses nothing unclassified (AEMO's RT_* / DG_*
    # placeholders, a unit not yet running): listed by `registry unknown`, alerted once it moves.
    rows = [r for r in unknown_duids(con, latest - recent)
            if (r["max_mw"] or 0) > 0 or (r["min_mw"] or 0) < 0]
    due = []
    for r in rows:
        prev = seen.get(r["duid"])
        if prev is None:
            due.append(r)
            continue
        last_alerted = _parse(prev["last_alerted"])
        assert last_alerted is not None
        if now - last_alerted >= cooldown and r["last_seen"] > _parse(prev["last_seen"]):
            due.append(r)
    if not due:
        return [], []
    for r in due:
        prev = seen.get(r["duid"], {})
        seen[r["duid"]] = {"first_alerted": prev.get("first_alerted", _iso(now)), "last_alerted": _iso(now),
                           "last_seen": _iso(r["last_seen"]), "times": prev.get("times", 0) + 1}
    # No region column: SCADA rows carry none and the DUID is, by definition, in no registry table.
    table = Table(
        columns=("DUID", "First seen", "Last seen", "Max MW", "Intervals"),
        rows=[{"DUID": r["duid"], "First seen": _hm(r["first_seen"]), "Last seen": _hm(r["last_seen"]),
               "Max MW": num(r["max_mw"], 1), "Intervals": f"{r['intervals_seen']:,}"}
              for r in due[:MAX_LISTED]],
        numeric=frozenset({"Max MW", "Intervals"}),
    )
    again = [r["duid"] for r in due if seen[r["duid"]]["times"] > 1]
    n = len(due)
    plural = n > 1
    paragraphs = [
        f"{n} DUID{'s' if plural else ''} produced SCADA data but {'are' if plural else 'is'} not in the DUID "
        f"registry, so {'their' if plural else 'its'} output has no fuel class and no region: it is missing from the "
        "fuel stacks, utilisation and revenue views.",
    ]
    if n > MAX_LISTED:
        paragraphs.append(f"The first {MAX_LISTED} are listed; `aemo-wh registry unknown` shows all {n}.")
    if again:
        paragraphs.append(f"Still unknown after the {cooldown.days}-day cooldown: {', '.join(again)}.")
    footer = [
        f"To classify them, add a row per DUID to {settings.path(settings.paths.overrides)} "
        "(columns duid, station_name, region_id, fuel_class, ...), or refresh the registry with "
        "`aemo-wh registry refresh`. A DUID in the overrides file is not alerted again.",
        "`aemo-wh registry unknown` lists every unknown DUID.",
    ]
    subject = (f"[aemo-wh] {n} unknown DUID{'s' if n > 1 else ''}: "
               + ", ".join(r["duid"] for r in due[:5]) + (" ..." if n > 5 else ""))
    return [Alert("unknown_duid", subject, paragraphs, table, footer)], [r["duid"] for r in due]


# --- price crossings ---------------------------------------------------------------------


def thresholds(settings: Settings, region: str) -> list[tuple[str, float]]:
    """[("high", 1000.0), ("high", 10000.0), ("low", -100.0)] for a region."""
    a = settings.alerts
    high = a.price_high_by_region.get(region, a.price_high)
    low = a.price_low_by_region.get(region, a.price_low)
    return [("high", float(t)) for t in high] + [("low", float(t)) for t in low]


def _key(region: str, side: str, t: float) -> str:
    return f"{region}|{side}|{t:g}"


def _crossed(side: str, t: float, rrp: float) -> bool:
    return rrp >= t if side == "high" else rrp <= t


def check_prices(
    con: duckdb.DuckDBPyConnection, state: dict[str, Any], settings: Settings, now: dt.datetime,
    latest: dt.datetime | None,
) -> tuple[list[Alert], list[str]]:
    """The price rule: walk the new 5-minute prices in order and turn crossings into events."""
    pstate = state["price"]
    active: dict[str, Any] = pstate.setdefault("active", {})
    if latest is None:
        return [], []
    configured = {_key(r, side, t) for r in REGIONS for side, t in thresholds(settings, r)}
    for key in [k for k in active if k not in configured]:
        del active[key]  # a threshold removed from the settings: forget its open event quietly
    lookback = dt.timedelta(minutes=settings.alerts.price_lookback_minutes)
    last = _parse(pstate.get("last_interval"))
    start = last if last is not None else latest - lookback
    start = max(start, latest - dt.timedelta(days=2))  # after a long outage: no need to replay weeks
    rows = con.execute(
        "select settlementdate, region_id, rrp from region_price "
        "where settlementdate > ? and settlementdate <= ? and rrp is not null order by settlementdate, region_id",
        [start, latest],
    ).fetchall()
    email_from = now - lookback
    events: dict[tuple[str, dt.datetime, str], list[dict[str, Any]]] = {}
    for ts, region, rrp in rows:
        for side, t in thresholds(settings, region):
            key = _key(region, side, t)
            on = _crossed(side, t, rrp)
            ev = active.get(key)
            if on and ev is None:
                active[key] = {"since": _iso(ts), "peak": rrp, "peak_at": _iso(ts)}
                if ts >= email_from:
                    events.setdefault((region, ts, "start"), []).append({"side": side, "t": t, "rrp": rrp})
            elif on and ev is not None:
                if (rrp > ev["peak"]) if side == "high" else (rrp < ev["peak"]):
                    ev["peak"], ev["peak_at"] = rrp, _iso(ts)
            elif not on and ev is not None:
                del active[key]
                if ts >= email_from:
                    events.setdefault((region, ts, "end"), []).append(
                        {"side": side, "t": t, "rrp": rrp, "since": ev["since"], "peak": ev["peak"],
                         "peak_at": ev["peak_at"]})
    pstate["last_interval"] = _iso(latest)
    alerts: list[Alert] = []
    described: list[str] = []
    for (region, ts, what), crossed in sorted(events.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2])):
        alerts.append(_price_alert(region, ts, what, crossed, active))
        described.append(alerts[-1].subject.removeprefix("[aemo-wh] "))
    return alerts, described


def _limit_text(side: str, t: float) -> str:
    return f"{'≥' if side == 'high' else '≤'} {money(t, 0)}"


def _price_alert(region: str, ts: dt.datetime, what: str, crossed: list[dict[str, Any]],
                 active: dict[str, Any]) -> Alert:
    rrp = crossed[0]["rrp"]
    still = [k.split("|") for k in active if k.startswith(f"{region}|")]
    still_txt = ", ".join(_limit_text(s, float(t)) for _r, s, t in still)
    if what == "start":
        # the most extreme threshold crossed names the event
        worst = max(crossed, key=lambda c: abs(c["t"]))
        subject = f"[aemo-wh] {region} price {money(rrp, 0)}/MWh at {ts:%H:%M} ({_limit_text(worst['side'], worst['t'])})"
        paragraphs = [
            f"The 5-minute price in {region} was {money(rrp)}/MWh for the interval ending {_hm(ts)} (NEM time), "
            f"crossing {', '.join(_limit_text(c['side'], c['t']) for c in crossed)}.",
            "You get one more email when it returns; no email per interval in between.",
        ]
        return Alert("price", subject, paragraphs)
    longest = min(crossed, key=lambda c: c["since"])
    since = _parse(longest["since"])
    assert since is not None
    minutes = int((ts - since).total_seconds() // 60)
    back = ", ".join(("below " if c["side"] == "high" else "above ") + money(c["t"], 0) for c in crossed)
    subject = f"[aemo-wh] {region} price back {back} at {ts:%H:%M} ({money(rrp, 0)}/MWh)"
    peak = max(crossed, key=lambda c: abs(c["peak"]))
    paragraphs = [
        f"The 5-minute price in {region} is back {back}: {money(rrp)}/MWh for the interval ending {_hm(ts)}.",
        f"The event began with the interval ending {_hm(since)} and lasted {minutes} minutes; "
        f"the extreme was {money(peak['peak'])}/MWh at {_hm(_parse(peak['peak_at']) or ts)}.",
    ]
    if still_txt:
        paragraphs.append(f"Still active in {region}: {still_txt}.")
    return Alert("price_end", subject, paragraphs)


# --- data freshness ----------------------------------------------------------------------


def check_freshness(
    state: dict[str, Any], settings: Settings, now: dt.datetime, latest: dt.datetime | None
) -> tuple[list[Alert], str]:
    """The freshness rule: one alert when dispatch data stops, one when it flows again."""
    fstate = state["freshness"]
    limit = dt.timedelta(minutes=settings.alerts.freshness_minutes)
    if latest is None:
        return [], "no dispatch data yet"
    age = now - latest
    age_min = int(age.total_seconds() // 60)
    if age > limit:
        if fstate.get("stale"):
            return [], f"stale since {fstate.get('last_interval')} (alerted)"
        fstate.update(stale=True, last_interval=_iso(latest), alerted_at=_iso(now))
        subject = f"[aemo-wh] No new dispatch data for {age_min} minutes"
        return [Alert("stale", subject, [
            f"The newest dispatch interval in the warehouse ends {_hm(latest)} (NEM time); it is now {_hm(now)}, "
            f"{age_min} minutes later (the limit is {settings.alerts.freshness_minutes:g} minutes).",
            "Check that the ingest runs (`aemo-wh status`, `logs/aemo_wh.log`) and that NEMWeb is reachable. "
            "You get one more email when data flows again.",
        ])], f"STALE: newest interval {age_min} min old"
    if fstate.get("stale"):
        gap_from = _parse(fstate.get("last_interval")) or latest
        fstate.update(stale=False, recovered_at=_iso(now), last_interval=_iso(latest))
        gap = int((latest - gap_from).total_seconds() // 60)
        subject = f"[aemo-wh] Dispatch data is flowing again (newest {latest:%H:%M})"
        return [Alert("recovered", subject, [
            f"New dispatch data arrived: the newest interval now ends {_hm(latest)} (NEM time).",
            f"The data had stopped at the interval ending {_hm(gap_from)}: a gap of {gap} minutes "
            "(missing intervals are filled when the archive files are ingested).",
        ])], "recovered"
    fstate["last_interval"] = _iso(latest)
    return [], f"fresh (newest interval {age_min} min old)"


# --- cumulative price -----------------------------------------------------------------------


def check_cumulative_price(
    con: duckdb.DuckDBPyConnection, state: dict[str, Any], settings: Settings, latest: dt.datetime | None
) -> tuple[list[Alert], list[str]]:
    """The cumulative price rule on the newest interval: one alert per region reaching the warning
    share of the cumulative price threshold, one when it is back below."""
    active: dict[str, Any] = state["cpt"].setdefault("active", {})
    if latest is None:
        return [], []
    warn = float(settings.alerts.cpt_warn_pct)
    rows = con.execute(
        "select region_id, cumulative_price, cumulative_price_threshold, pct_of_cpt, intervals "
        "from cumulative_price(?, ?) where settlementdate = ? and pct_of_cpt is not null order by region_id",
        [latest - dt.timedelta(minutes=5), latest, latest],
    ).fetchall()
    alerts, at_warning = [], []
    for region, cum, cpt, pct, n in rows:
        figures = (f"The cumulative price in {region} (the sum of the 5-minute prices over the 7 days ending "
                   f"{_hm(latest)}, {n:,} intervals) is {money(cum, 0)}: {pct:.1f} % of the cumulative price "
                   f"threshold of {money(cpt, 0)}.")
        if pct >= warn:
            at_warning.append(f"{region} {pct:.1f} %")
            if region not in active:
                active[region] = {"since": _iso(latest), "pct": pct}
                alerts.append(Alert("cpt", f"[aemo-wh] {region} cumulative price at {pct:.0f} % of the threshold",
                                    [figures, f"The warning level is {warn:g} %. When the threshold is reached AEMO "
                                     "applies administered pricing in the region (prices capped at the administered "
                                     "price cap). You get one more email when it falls back below the warning level."]))
        elif region in active:
            del active[region]
            alerts.append(Alert("cpt_end", f"[aemo-wh] {region} cumulative price back below {warn:g} % "
                                f"({pct:.0f} %)", [figures]))
    return alerts, at_warning


# --- the run -----------------------------------------------------------------------------


def _message(settings: Settings, alert: Alert) -> EmailMessage:
    ctx = {"title": alert.subject.removeprefix("[aemo-wh] "), "paragraphs": alert.paragraphs, "table": alert.table,
           "footer": alert.footer, "colour": COLOURS[alert.kind], "kind_label": KIND_LABELS[alert.kind]}
    return compose.build_message(
        settings.email, alert.subject, render("alert.txt.j2", **ctx), html=render("alert.html.j2", **ctx),
        headers={"X-AEMO-WH-Alert": alert.kind},
    )


def latest_dispatch_interval(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """The newest 5-minute dispatch price interval in the warehouse."""
    return con.execute("select max(settlementdate) from region_price").fetchall()[0][0]


def run_alert_rules(
    settings: Settings, now: dt.datetime | None = None, con: duckdb.DuckDBPyConnection | None = None
) -> AlertSummary:
    """Run every alert rule once; queue and send what is new. Never raises for email problems
    (only for a warehouse that cannot be read, which the caller's ingest has already reported).

    With email not configured (or misconfigured) the rules are evaluated and reported but
    nothing is queued and the state is left alone, so the alerts go out once email works.
    """
    now = now or now_nem()
    summary = AlertSummary(checked_at=_iso(now) or "")
    config_error = ""
    if not email_configured(settings.email):
        config_error = "email is not configured (email.smtp_host is not set)"
    else:
        try:
            validate_email_settings(settings.email)
        except ConfigError as exc:
            config_error = exc.msg
    summary.config_error = config_error
    with file_lock(state_dir(settings) / "alerts.lock"):
        if con is None:
            from aemo_wh.views import connect

            con = connect(settings)
        state = load_alert_state(settings)
        latest = latest_dispatch_interval(con)
        summary.latest_interval = _iso(latest) or ""
        unknown_alerts, summary.new_unknown_duids = check_unknown_duids(con, state, settings, now, latest)
        price_alerts, summary.price_events = check_prices(con, state, settings, now, latest)
        fresh_alerts, summary.freshness = check_freshness(state, settings, now, latest)
        cpt_alerts, summary.cumulative_price = check_cumulative_price(con, state, settings, latest)
        alerts = unknown_alerts + price_alerts + fresh_alerts + cpt_alerts
        summary.alerts = [a.subject for a in alerts]
        if config_error:
            if alerts:
                logger.warning("%d alert(s) not sent: %s", len(alerts), config_error)
            return summary
        for a in alerts:
            summary.queued.append(outbox.enqueue(settings, _message(settings, a), a.kind))
            logger.info("alert queued: %s", a.subject)
        save_alert_state(settings, state)
    flushed = outbox.flush_outbox(settings)
    summary.sent = flushed.sent
    summary.still_queued = len(flushed.failed) + len(flushed.waiting)
    summary.delivery_error = flushed.error
    return summary
