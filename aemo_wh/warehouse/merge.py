"""Arrow-level helpers for publishing: normalise, partition, and newest-row-wins by primary key.

Rule (docs/architecture.md): per primary key the row with the newest `lastchanged` wins; on a
tie, or when either side has no `lastchanged`, the later-published row wins. Every time table's
primary key contains its time column, so rows of different partition dates never collide.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc

from aemo_wh.errors import BadSourceFile
from aemo_wh.warehouse.tables import TableSpec

TS_TYPE = pa.timestamp("us")


def partition_dates(table: pa.Table, spec: TableSpec) -> pa.ChunkedArray:
    """NEM date of each row's interval START (time column = interval end)."""
    shift = pa.scalar(dt.timedelta(minutes=spec.interval_minutes), pa.duration("us"))
    return pc.subtract(table[spec.time_column], shift).cast(pa.date32())


def split_by_date(table: pa.Table, spec: TableSpec) -> list[tuple[dt.date, pa.Table]]:
    """The rows of each partition date, in date order (order of rows kept)."""
    dates = partition_dates(table, spec)
    uniq = pc.unique(dates).to_pylist()
    if len(uniq) == 1:
        return [(uniq[0], table)]
    return [(d, table.filter(pc.equal(dates, pa.scalar(d, pa.date32())))) for d in sorted(uniq)]


def ts_range(table: pa.Table, column: str) -> tuple[dt.datetime, dt.datetime]:
    mm = pc.min_max(table[column])
    return mm["min"].as_py(), mm["max"].as_py()


def _null_safe_neq(a: pa.Array, b: pa.Array) -> pa.Array:
    neq = pc.not_equal(a, b)
    both_null = pc.and_(pc.is_null(a), pc.is_null(b))
    return pc.if_else(both_null, False, pc.fill_null(neq, True))


def dedupe_latest(table: pa.Table, spec: TableSpec) -> pa.Table:
    """Keep one row per primary key: newest `latest_by`, ties (and nulls) to the later row.

    Row order is kept. Small tables (one 5-minute file) take a sort and never load Acero
    (importing it costs ~1 s of CLI start-up); big chunks check uniqueness by hash first.
    """
    n = table.num_rows
    pk = list(spec.primary_key)
    if n <= 1 or _strictly_ordered(table, pk):
        return table  # AEMO files come ordered by key: a few O(n) comparisons prove it unique
    if n > 100_000 and table.select(pk).group_by(pk, use_threads=False).aggregate([]).num_rows == n:
        return table  # big chunks: a hash group-by is cheaper than the sort below
    idx = pa.array(range(n), pa.int64())
    work = table.select(pk).append_column("__i", idx)
    keys = [(c, "ascending", "at_start") for c in pk]
    if spec.latest_by in table.column_names:
        work = work.append_column("__lc", table[spec.latest_by])
        keys.append(("__lc", "ascending", "at_start"))
    keys.append(("__i", "ascending", "at_start"))
    order = pc.sort_indices(work, sort_keys=keys)
    srt = work.take(order)
    last = None
    for c in pk:
        col = srt[c].combine_chunks()
        neq = _null_safe_neq(col.slice(1), col.slice(0, n - 1))
        last = neq if last is None else pc.or_(last, neq)
    is_last = pa.concat_arrays([last, pa.array([True])])
    if is_last.false_count == 0:
        return table
    kept = srt["__i"].combine_chunks().filter(is_last)
    keep_idx = kept.take(pc.array_sort_indices(kept))
    return table.take(keep_idx)


def _strictly_ordered(table: pa.Table, pk: list[str]) -> bool:
    """True when every row's key is strictly greater than the previous row's (so no duplicates)."""
    n = table.num_rows
    greater = equal = None
    for c in pk:
        col = table[c]
        if col.null_count:
            return False
        a, b = col.slice(1), col.slice(0, n - 1)
        gt, eq = pc.greater(a, b), pc.equal(a, b)
        if greater is None:
            greater, equal = gt, eq
        else:
            greater = pc.or_(greater, pc.and_(equal, gt))
            equal = pc.and_(equal, eq)
    return bool(pc.all(greater).as_py())


def key_table(table: pa.Table, spec: TableSpec, index_name: str) -> pa.Table:
    """Primary key (+ latest_by, null when absent) + a row index column."""
    cols = {c: table[c] for c in spec.primary_key}
    lc = table[spec.latest_by] if spec.latest_by in table.column_names else pa.nulls(table.num_rows, TS_TYPE)
    if not pa.types.is_timestamp(lc.type) and lc.null_count == len(lc):
        lc = pa.nulls(table.num_rows, TS_TYPE)
    cols["__lc"] = lc
    cols[index_name] = pa.array(range(table.num_rows), pa.int64())
    return pa.table(cols)


def align_types(table: pa.Table, like: pa.Table, columns: list[str]) -> pa.Table:
    """Cast `columns` of `table` to their types in `like` (e.g. large_string from polars vs string)."""
    for c in columns:
        want = like.schema.field(c).type
        if table.schema.field(c).type != want:
            table = table.set_column(table.schema.get_field_index(c), c, table[c].cast(want))
    return table


def resolve_collisions(new_keys: pa.Table, old_keys: pa.Table, spec: TableSpec) -> tuple[pa.Array, pa.Table]:
    """Join new rows with live rows on the primary key and pick winners.

    `new_keys` has `__n`; `old_keys` has `__o` and `__f` (which live file). Returns
    (indices of new rows that lose, the keys + `__f` of live rows that lose).
    """
    pk = list(spec.primary_key)
    old_keys = align_types(old_keys, new_keys, pk)
    j = new_keys.join(old_keys, keys=pk, join_type="inner", left_suffix="_n", right_suffix="_o")
    if j.num_rows == 0:
        return pa.array([], pa.int64()), old_keys.schema.empty_table()
    lc_n, lc_o = j["__lc_n"], j["__lc_o"]
    if lc_n.type != lc_o.type:
        lc_o = lc_o.cast(lc_n.type)
    old_wins = pc.fill_null(pc.greater(lc_o, lc_n), False)
    new_lose = j["__n"].filter(old_wins)
    old_lose = j.filter(pc.invert(old_wins)).select([*pk, "__f"])
    return new_lose.combine_chunks(), old_lose


def drop_rows(table: pa.Table, indices: pa.Array) -> pa.Table:
    """`table` without the rows at `indices` (order kept)."""
    if len(indices) == 0:
        return table
    mask = pc.invert(pc.is_in(pa.array(range(table.num_rows), pa.int64()), value_set=indices))
    return table.filter(mask)


def drop_keys(table: pa.Table, keys: pa.Table, spec: TableSpec) -> pa.Table:
    """`table` without the rows whose primary key is in `keys` (order kept)."""
    if keys.num_rows == 0:
        return table
    pk = list(spec.primary_key)
    idx = table.select(pk).append_column("__i", pa.array(range(table.num_rows), pa.int64()))
    hit = idx.join(align_types(keys.select(pk), idx, pk), keys=pk, join_type="inner")["__i"].combine_chunks()
    return drop_rows(table, hit)


def unify(tables: list[pa.Table]) -> pa.Table:
    """Concatenate tables whose columns may differ (AEMO adds columns without notice)."""
    if len(tables) == 1:
        return tables[0]
    return pa.concat_tables(tables, promote_options="permissive")
