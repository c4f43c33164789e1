"""The dashboard's one reader: a DuckDB connection over the views plus a query cache.

One `Store` per server process, shared by every browser session. The cache key is
(manifest version, SQL text, bound parameters); a new ingest bumps the manifest version, so
the next `check()` refreshes the connection's file lists and drops every cached frame.
SQL is always a constant with `$name` parameters: user input never reaches the SQL text.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from aemo_wh.log import get_logger

logger = get_logger("dashboard.store")

Params = Mapping[str, Any] | None
SETTLED_TTL_S = 3600.0


def _freeze(params: Params) -> tuple:
    if not params:
        return ()
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))


class Store:
    """Cached, parameterised queries on the analytic views of one warehouse."""

    def __init__(
        self,
        root: Path,
        *,
        connect: Callable[[Path], Any] | None = None,
        refresh: Callable[[Any], None] | None = None,
        version: Callable[[Path], str] | None = None,
        is_demo: Callable[[Path], bool] | None = None,
        max_items: int = 256,
        check_every_s: float = 1.0,
    ) -> None:
        if connect is None or refresh is None:
            from aemo_wh import views

            connect = connect or views.connect
            refresh = refresh or views.refresh
        if version is None or is_demo is None:
            from aemo_wh import warehouse

            version = version or warehouse.manifest_version
            is_demo = is_demo or warehouse.warehouse_has_simulated_data
        self.root = Path(root)
        self._refresh_con = refresh
        self._version_fn = version
        self._demo_fn = is_demo
        self._lock = threading.RLock()
        self._con = connect(self.root)
        self._version = self._version_fn(self.root)
        self._checked_at = time.monotonic()
        self._check_every_s = check_every_s
        self._cache: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
        self._settled: dict[tuple, tuple[float, pd.DataFrame]] = {}
        self._max_items = max_items
        self._demo: bool | None = None
        self.hits = 0
        self.misses = 0

    @property
    def version(self) -> str:
        return self._version

    def check(self, force: bool = False) -> str:
        """Re-read the manifest version (at most once a second); on a change refresh and drop the cache."""
        with self._lock:
            now = time.monotonic()
            if not force and now - self._checked_at < self._check_every_s:
                return self._version
            self._checked_at = now
            current = self._version_fn(self.root)
            if current != self._version:
                logger.info("warehouse changed (%s -> %s): refreshing views", self._version, current)
                self._refresh_con(self._con)
                self._version = current
                self._cache.clear()
                self._demo = None
            return self._version

    def clear_cache(self) -> None:
        """Forget cached results (benchmarks measure the queries a new selection would run)."""
        with self._lock:
            self._cache.clear()
            self._settled.clear()

    def query(self, sql: str, params: Params = None) -> pd.DataFrame:
        """Run a constant SQL text with bound parameters; cached per manifest version. Do not mutate the result."""
        key = (self._version, sql, _freeze(params))
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                self.hits += 1
                return hit
            self.misses += 1
            t0 = time.perf_counter()
            df = self._con.execute(sql, dict(params) if params else None).df()
            logger.debug("query %.1f ms, %d rows: %s", 1000 * (time.perf_counter() - t0), len(df), sql[:60])
            self._cache[key] = df
            while len(self._cache) > self._max_items:
                self._cache.popitem(last=False)
            return df

    def query_settled(self, sql: str, params: Params = None, ttl_s: float = SETTLED_TTL_S) -> pd.DataFrame:
        """Like `query`, for results about settled history (e.g. records before today's midnight):
        kept across manifest versions for `ttl_s`, so the 5-minute ingest does not recompute them.

        A backfill or re-publication of an old day shows within `ttl_s`; the caller puts the
        history bound (a day) in `params`, so a new day is a new key.
        """
        key = (sql, _freeze(params))
        with self._lock:
            hit = self._settled.get(key)
            if hit is not None and time.monotonic() - hit[0] < ttl_s:
                self.hits += 1
                return hit[1]
            self.misses += 1
            df = self._con.execute(sql, dict(params) if params else None).df()
            self._settled = {k: v for k, v in self._settled.items() if time.monotonic() - v[0] < ttl_s}
            self._settled[key] = (time.monotonic(), df)
            return df

    def scalar(self, sql: str, params: Params = None) -> Any:
        df = self.query(sql, params)
        return None if df.empty else df.iat[0, 0]

    def newest_interval(self) -> dt.datetime | None:
        """The newest 5-minute interval end with a price (the footer's "Last Updated")."""
        value = self.scalar("SELECT max(settlementdate) FROM region_price")
        return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()

    def oldest_interval(self) -> dt.datetime | None:
        value = self.scalar("SELECT min(settlementdate) FROM region_price")
        return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()

    def is_demo(self) -> bool:
        """True when the warehouse's files came from the simulator (ledger publisher marker)."""
        with self._lock:
            if self._demo is None:
                self._demo = bool(self._demo_fn(self.root))
            return self._demo
