"""Publishing: partitions, manifests, newest-LASTCHANGED-wins merge, no partial files on failure."""

from __future__ import annotations

import datetime as dt
import errno
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aemo_wh.errors import BadSourceFile
from aemo_wh.warehouse import Warehouse, manifest_version
from aemo_wh.warehouse import writer as writer_mod
from aemo_wh.warehouse.reader import connect_raw
from aemo_wh.warehouse.synthetic import scada_table, scada_value
from aemo_wh.warehouse.tables import DISPATCH_PRICE, DUID_INFO, ROOFTOP_PV_ACTUAL, UNIT_SCADA

T = dt.datetime(2025, 12, 27, 0, 5)


@pytest.fixture()
def wh(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "wh")


def _values(wh: Warehouse, table: str = "unit_scada") -> dict[tuple, float]:
    con = connect_raw(wh.root)
    return {(r[0], r[1]): r[2] for r in con.execute(f"select settlementdate, duid, scadavalue from {table}").fetchall()}


def _disk_parquet(wh: Warehouse) -> set[str]:
    return {p.relative_to(wh.root).as_posix() for p in wh.root.rglob("*.parquet") if "_staging" not in p.parts}


def test_publish_writes_one_immutable_file_and_a_versioned_manifest(wh: Warehouse) -> None:
    with wh.writer() as w:
        rows = w.publish_batch([(UNIT_SCADA, scada_table(T, 50))], source_file="PUBLIC_DISPATCHSCADA_1.zip")
    assert rows == {"unit_scada": 50}
    m = wh.manifest("unit_scada")
    assert m.version == 1 and len(m.files) == 1
    e = m.files[0]
    assert e.path.startswith("unit_scada/interval/date=2025-12-27/PUBLIC_DISPATCHSCADA_1-")
    assert (e.date, e.min_ts, e.max_ts, e.rows, e.level) == (
        "2025-12-27", "2025-12-27T00:05:00", "2025-12-27T00:05:00", 50, "interval",
    )
    raw = json.loads((wh.root / "_manifest" / "unit_scada.json").read_text())
    assert raw["version"] == 1 and raw["files"][0]["path"] == e.path and raw["written_at"]
    assert pq.read_table(wh.root / e.path).num_rows == 50
    assert list((wh.root / "_staging").iterdir()) == []


def test_partition_is_the_nem_date_of_the_interval_start(wh: Warehouse) -> None:
    midnight = dt.datetime(2025, 12, 28, 0, 0)  # 23:55-00:00 belongs to the 27th
    rooftop = pa.table(
        {
            "interval_datetime": pa.array([midnight, midnight + dt.timedelta(minutes=30)], pa.timestamp("s")),
            "regionid": ["NSW1", "NSW1"],
            "type": ["MEASUREMENT"] * 2,
            "power": [0.0, 1.0],
        }
    )
    with wh.writer() as w:
        w.publish(UNIT_SCADA, pa.concat_tables([scada_table(midnight, 3), scada_table(T, 3)]), "a.zip")
        w.publish(ROOFTOP_PV_ACTUAL, rooftop, "b.zip")
    scada = wh.manifest("unit_scada")
    assert scada.version == 1  # one manifest publish for a multi-day batch
    assert [(e.date, e.min_ts, e.max_ts, e.rows) for e in scada.files] == [
        ("2025-12-27", "2025-12-27T00:05:00", "2025-12-28T00:00:00", 6)
    ]
    assert sorted(e.date for e in wh.manifest("rooftop_pv_actual").files) == ["2025-12-27", "2025-12-28"]


def test_batch_spanning_days_gives_one_file_per_day(wh: Warehouse) -> None:
    t = pa.concat_tables([scada_table(T + dt.timedelta(hours=h), 10) for h in range(0, 72, 6)])
    with wh.writer() as w:
        w.publish(UNIT_SCADA, t, "PUBLIC_DISPATCHSCADA_ARCHIVE.zip")
    m = wh.manifest("unit_scada")
    assert [e.date for e in m.files] == ["2025-12-27", "2025-12-28", "2025-12-29"]
    assert m.rows == 120 and m.version == 1


def test_empty_table_publishes_nothing(wh: Warehouse) -> None:
    with wh.writer() as w:
        assert w.publish_batch([(UNIT_SCADA, scada_table(T, 0))], "empty.zip") == {"unit_scada": 0}
    assert wh.manifest("unit_scada").version == 0 and _disk_parquet(wh) == set()


def test_bad_table_fails_the_whole_batch_before_anything_is_visible(wh: Warehouse) -> None:
    no_key = pa.table({"settlementdate": pa.array([T], pa.timestamp("s")), "rrp": [1.0]})
    with wh.writer() as w, pytest.raises(BadSourceFile, match="regionid"):
        w.publish_batch([(UNIT_SCADA, scada_table(T, 5)), (DISPATCH_PRICE, no_key)], "bad.zip")
    assert wh.manifest("unit_scada").version == 0 and _disk_parquet(wh) == set()
    null_time = scada_table(T, 2).set_column(0, "settlementdate", pa.array([T, None], pa.timestamp("s")))
    with wh.writer() as w, pytest.raises(BadSourceFile, match="without settlementdate"):
        w.publish(UNIT_SCADA, null_time, "bad2.zip")


def test_newer_lastchanged_replaces_older_and_older_never_overrides_newer(wh: Warehouse) -> None:
    with wh.writer() as w:
        w.publish(UNIT_SCADA, scada_table(T, 20, revision=0), "first.zip")
        first = wh.manifest("unit_scada").files[0]
        w.publish(UNIT_SCADA, scada_table(T, 20, revision=2), "revised.zip")  # newer LASTCHANGED
        w.publish(UNIT_SCADA, scada_table(T, 20, revision=1), "stale.zip")  # older: must lose
    vals = _values(wh)
    assert len(vals) == 20
    assert all(v == scada_value(T, i, 2) for i, v in enumerate(vals[(T, f"DUID{i:04d}")] for i in range(20)))
    m = wh.manifest("unit_scada")
    assert [e.source for e in m.files] == ["revised.zip"]  # first file swapped out, stale one never landed
    trash = json.loads((wh.root / "_trash.json").read_text())
    assert first.path in {i["path"] for i in trash}
    assert (wh.root / first.path).exists()  # still there for running queries (grace period)


def test_equal_or_missing_lastchanged_goes_to_the_later_file(wh: Warehouse) -> None:
    lc = T + dt.timedelta(minutes=1)
    with wh.writer() as w:
        w.publish(UNIT_SCADA, scada_table(T, 5, revision=0, lastchanged=lc), "a.zip")
        w.publish(UNIT_SCADA, scada_table(T, 5, revision=1, lastchanged=lc), "b.zip")
    assert set(_values(wh).values()) == {scada_value(T, i, 1) for i in range(5)}
    with wh.writer() as w:
        w.publish(UNIT_SCADA, scada_table(T, 5, revision=3).drop_columns(["lastchanged"]), "c.zip")
    assert set(_values(wh).values()) == {scada_value(T, i, 3) for i in range(5)}


def test_partial_overlap_replaces_only_the_colliding_keys(wh: Warehouse) -> None:
    with wh.writer() as w:
        w.publish(UNIT_SCADA, scada_table(T, 10), "all.zip")
        w.publish(UNIT_SCADA, scada_table(T, 3, revision=1, duid_offset=4), "some.zip")
        w.publish(UNIT_SCADA, scada_table(T + dt.timedelta(minutes=5), 10), "next.zip")
    vals = _values(wh)
    assert len(vals) == 20
    assert [vals[(T, f"DUID{i:04d}")] for i in range(10)] == [
        scada_value(T, i, 1 if 4 <= i < 7 else 0) for i in range(10)
    ]
    assert sorted(e.rows for e in wh.manifest("unit_scada").files) == [3, 7, 10]


def test_duplicates_inside_one_file_keep_the_newest(wh: Warehouse) -> None:
    t = pa.concat_tables([scada_table(T, 4, revision=1), scada_table(T, 4, revision=0), scada_table(T, 4, 2)])
    with wh.writer() as w:
        assert w.publish(UNIT_SCADA, t, "dups.zip") == 12
    assert sorted(_values(wh).values()) == sorted(scada_value(T, i, 2) for i in range(4))


def test_republishing_the_same_file_is_idempotent(wh: Warehouse) -> None:
    for _ in range(3):
        with wh.writer() as w:
            w.publish(UNIT_SCADA, scada_table(T, 30), "same.zip")
    con = connect_raw(wh.root)
    assert con.execute("select count(*), count(distinct (settlementdate, duid)) from unit_scada").fetchall() == [
        (30, 30)
    ]
    assert len(wh.manifest("unit_scada").files) == 1


def test_new_columns_are_kept_and_old_files_stay_readable(wh: Warehouse) -> None:
    newer = scada_table(T + dt.timedelta(minutes=5), 3).append_column("recall_period", pa.array([1.0] * 3))
    with wh.writer() as w:
        w.publish(UNIT_SCADA, scada_table(T, 3), "old.zip")
        w.publish(UNIT_SCADA, newer, "new.zip")
        w.publish(UNIT_SCADA, scada_table(T, 3, revision=1), "old-revised.zip")  # merge across schemas
    con = connect_raw(wh.root)
    got = con.execute(
        "select settlementdate, count(*), count(recall_period) from unit_scada group by 1 order by 1"
    ).fetchall()
    assert got == [(T, 3, 0), (T + dt.timedelta(minutes=5), 3, 3)]


def test_replace_table_swaps_a_reference_table_whole(wh: Warehouse) -> None:
    info = pa.table({"duid": ["A", "B"], "station_name": ["Alpha", "Beta"]})
    with wh.writer() as w:
        w.replace_table(DUID_INFO, info)
        w.replace_table(DUID_INFO, pa.table({"duid": ["C"], "station_name": ["Gamma"]}))
    m = wh.manifest("duid_info")
    assert [(e.level, e.rows, e.date, e.min_ts) for e in m.files] == [("ref", 1, "", None)]
    assert m.files[0].path.startswith("duid_info/ref/duid_info-")
    assert connect_raw(wh.root).execute("select duid from duid_info").fetchall() == [("C",)]
    with wh.writer() as w, pytest.raises(ValueError, match="replace_table"):
        w.publish(DUID_INFO, info, "x")


def test_disk_full_mid_write_leaves_no_partial_file(wh: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    with wh.writer() as w:
        w.publish(UNIT_SCADA, scada_table(T, 10), "ok.zip")
    before = (wh.manifest("unit_scada"), _disk_parquet(wh), manifest_version(wh.root))
    real_write = pq.write_table
    calls = {"n": 0}

    def write_then_fail(table, where, **kw):  # the second partition's file runs out of space
        calls["n"] += 1
        if calls["n"] == 2:
            Path(where).write_bytes(b"PAR1 partial")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(table, where, **kw)

    monkeypatch.setattr(writer_mod.pq, "write_table", write_then_fail)
    two_days = pa.concat_tables([scada_table(T + dt.timedelta(days=1), 10), scada_table(T + dt.timedelta(days=2), 10)])
    with wh.writer() as w, pytest.raises(OSError, match="No space"):
        w.publish(UNIT_SCADA, two_days, "full.zip")
    assert (wh.manifest("unit_scada"), _disk_parquet(wh), manifest_version(wh.root)) == before
    assert list((wh.root / "_staging").iterdir()) == []
    assert connect_raw(wh.root).execute("select count(*) from unit_scada").fetchall() == [(10,)]
    monkeypatch.setattr(writer_mod.pq, "write_table", real_write)
    with wh.writer() as w:  # the next run, with space, completes
        w.publish(UNIT_SCADA, two_days, "full.zip")
    assert wh.manifest("unit_scada").rows == 30


def test_superseded_files_are_deleted_only_after_the_grace_period(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "wh", grace_hours=1.0)
    with wh.writer() as w:
        w.publish(UNIT_SCADA, scada_table(T, 5), "a.zip")
        old = wh.manifest("unit_scada").files[0].path
        w.publish(UNIT_SCADA, scada_table(T, 5, revision=1), "b.zip")
    with wh.writer():
        pass
    assert (wh.root / old).exists()  # within the grace period
    wh0 = Warehouse(tmp_path / "wh", grace_hours=0)
    items = json.loads((wh.root / "_trash.json").read_text())
    for i in items:
        i["not_before"] = "2000-01-01T00:00:00+00:00"
    (wh.root / "_trash.json").write_text(json.dumps(items))
    with wh0.writer():
        pass
    assert not (wh.root / old).exists()
    assert json.loads((wh.root / "_trash.json").read_text()) == []
    assert len(_values(wh)) == 5


def test_writer_start_cleans_staging_and_adopts_orphans_into_the_trash(wh: Warehouse) -> None:
    with wh.writer() as w:
        w.publish(UNIT_SCADA, scada_table(T, 5), "a.zip")
        live = wh.manifest("unit_scada").files[0].path
    (wh.root / "_staging" / "stray.parquet").write_bytes(b"half a file")
    (wh.root / "_staging" / "duckdb-tmp").mkdir()
    orphan = wh.root / "unit_scada/interval/date=2025-12-27/killed-before-manifest.parquet"
    orphan.write_bytes(b"PAR1")
    (wh.root / "_trash.json").write_text(json.dumps([{"path": live, "not_before": "2000-01-01T00:00:00+00:00"}]))
    with wh.writer():
        pass
    assert list((wh.root / "_staging").iterdir()) == []
    trash = {i["path"] for i in json.loads((wh.root / "_trash.json").read_text())}
    assert trash == {orphan.relative_to(wh.root).as_posix()}  # live path never deleted, dropped from trash
    assert (wh.root / live).exists()


def test_failure_writing_the_manifest_leaves_the_old_one_and_no_files(
    wh: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aemo_wh.warehouse import manifest as manifest_mod

    with wh.writer() as w:
        w.publish(UNIT_SCADA, scada_table(T, 10), "ok.zip")
    before = (wh.manifest("unit_scada"), _disk_parquet(wh), manifest_version(wh.root))

    def no_space(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(manifest_mod, "atomic_write_bytes", no_space)
    with wh.writer() as w, pytest.raises(OSError, match="No space"):
        w.publish(UNIT_SCADA, scada_table(T, 10, revision=1), "revised.zip")  # merge: old file rewritten too
    assert (wh.manifest("unit_scada"), _disk_parquet(wh), manifest_version(wh.root)) == before
    assert set(_values(wh).values()) == {scada_value(T, i, 0) for i in range(10)}


def test_merge_across_string_flavours(wh: Warehouse) -> None:
    """A re-publish typed large_string (polars) merges with live files typed string."""
    revised = scada_table(T, 5, revision=1)
    revised = revised.set_column(1, "duid", revised["duid"].cast(pa.large_string()))
    with wh.writer() as w:
        w.publish(UNIT_SCADA, scada_table(T, 5), "a.zip")
        w.publish(UNIT_SCADA, revised, "b.zip")
    assert sorted(_values(wh).values()) == sorted(scada_value(T, i, 1) for i in range(5))


@pytest.mark.parametrize("tz", ["UTC", "Australia/Sydney", "America/New_York"])
def test_partitions_and_stored_times_ignore_the_host_time_zone(tmp_path: Path, tz: str) -> None:
    import os
    import time

    old = os.environ.get("TZ")
    os.environ["TZ"] = tz
    time.tzset()
    try:
        wh = Warehouse(tmp_path / "wh")
        dst_day = dt.datetime(2025, 10, 5, 0, 0)  # Sydney's clocks jump at 02:00 this day; NEM time does not
        ends = [dst_day + dt.timedelta(minutes=5 * i) for i in range(0, 289)]
        t = pa.concat_tables([scada_table(e, 1) for e in ends])
        with wh.writer() as w:
            w.publish(UNIT_SCADA, t, "day.zip")
        dates = {e.date: e.rows for e in wh.manifest("unit_scada").files}
        assert dates == {"2025-10-04": 1, "2025-10-05": 288}
        got = connect_raw(wh.root).execute("select min(settlementdate), max(settlementdate) from unit_scada").fetchall()
        assert got == [(ends[0], ends[-1])]
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


def test_zone_aware_and_dictionary_columns_are_stored_as_naive_nem_time_and_plain_values(wh: Warehouse) -> None:
    from aemo_wh.nemtime import NEM_TZ

    end = dt.datetime(2025, 12, 28, 0, 0, tzinfo=NEM_TZ)  # aware input, e.g. from another tool
    t = pa.table(
        {
            "settlementdate": pa.array([end], pa.timestamp("ms", tz="+10:00")),
            "duid": pa.array(["A"]).dictionary_encode(),
            "scadavalue": [1.0],
        }
    )
    with wh.writer() as w:
        w.publish(UNIT_SCADA, t, "aware.zip")
    [e] = wh.manifest("unit_scada").files
    assert (e.date, e.max_ts) == ("2025-12-27", "2025-12-28T00:00:00")
    schema = pq.read_schema(wh.root / e.path)
    assert schema.field("settlementdate").type == pa.timestamp("us") and schema.field("duid").type == pa.string()


def test_archive_bundle_over_current_files_replaces_them_whole(wh: Warehouse) -> None:
    ends = [T + dt.timedelta(minutes=5 * i) for i in range(30)]
    with wh.writer() as w:
        for i, e in enumerate(ends[:20]):
            w.publish(UNIT_SCADA, scada_table(e, 5, source_file=f"CUR{i}.zip"), f"CUR{i}.zip")
        before = {e.path for e in wh.manifest("unit_scada").files}
        bundle = pa.concat_tables([scada_table(e, 5, source_file="BUNDLE.zip") for e in ends])
        w.publish(UNIT_SCADA, bundle, "PUBLIC_DISPATCHSCADA_20251227.zip")
    m = wh.manifest("unit_scada")
    assert [(e.source, e.rows) for e in m.files] == [("PUBLIC_DISPATCHSCADA_20251227.zip", 150)]
    trashed = {i["path"] for i in json.loads((wh.root / "_trash.json").read_text())}
    assert before <= trashed
    con = connect_raw(wh.root)
    assert con.execute("select count(*), count(distinct _source_file) from unit_scada").fetchall() == [(150, 1)]
