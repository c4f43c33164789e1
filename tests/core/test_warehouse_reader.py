"""connect_raw / refresh / manifest_version: views from manifests, cheap refresh, typed empty tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from aemo_wh.warehouse import Warehouse, manifest_version
from aemo_wh.warehouse.duck import DUCK_TYPES
from aemo_wh.warehouse.reader import connect_raw, current_version, refresh
from aemo_wh.warehouse.synthetic import scada_table
from aemo_wh.warehouse.tables import TABLES, UNIT_SCADA

T = dt.datetime(2025, 12, 27, 0, 5)


@pytest.fixture()
def wh(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "wh")


def test_empty_warehouse_has_a_typed_empty_view_per_table(wh: Warehouse) -> None:
    con = connect_raw(wh.root)
    for name in TABLES:
        cols = dict(con.execute(f"select column_name, column_type from (describe {name})").fetchall())
        assert con.execute(f"select count(*) from {name}").fetchall() == [(0,)]
        for c in TABLES[name].primary_key:
            assert c in cols
        assert cols == {c: DUCK_TYPES[str(t)] for c, t in TABLES[name].columns}  # the contract, typed
    # downstream SQL binds: time arithmetic and a join over empty views
    q = """select s.settlementdate - interval 5 minute, s.duid, p.rrp * s.scadavalue
           from unit_scada s join dispatch_price p using (settlementdate) where p.intervention = 0"""
    assert con.execute(q).fetchall() == []


def test_refresh_picks_up_publishes_and_is_a_no_op_otherwise(wh: Warehouse) -> None:
    con = connect_raw(wh.root)
    v0 = manifest_version(wh.root)
    assert refresh(con) is False and current_version(con) == v0
    con.execute("create view downstream as select duid, sum(scadavalue) mw from unit_scada group by duid")
    with wh.writer() as w:
        w.publish(UNIT_SCADA, scada_table(T, 7), "a.zip")
    v1 = manifest_version(wh.root)
    assert v1 != v0
    assert con.execute("select count(*) from unit_scada").fetchall() == [(0,)]  # not refreshed yet
    assert refresh(con) is True and refresh(con) is False
    assert con.execute("select count(*) from downstream").fetchall() == [(7,)]
    assert con.execute("select count(*) from unit_scada where _source_file = 'SYNTHETIC.zip'").fetchall() == [(7,)]
    with wh.writer() as w:
        w.publish(UNIT_SCADA, scada_table(T + dt.timedelta(minutes=5), 7), "b.zip")
    assert manifest_version(wh.root) not in (v0, v1)
    refresh(con)
    assert con.execute("select count(*), typeof(any_value(settlementdate)) from unit_scada").fetchall() == [
        (14, "TIMESTAMP")
    ]
    files = con.execute("select getvariable('unit_scada_files')").fetchall()[0][0]
    assert sorted(files) == sorted(str(wh.root / e.path) for e in wh.manifest("unit_scada").files)


def test_reader_never_lists_directories_only_manifest_files(wh: Warehouse) -> None:
    with wh.writer() as w:
        w.publish(UNIT_SCADA, scada_table(T, 5), "a.zip")
    stray = wh.root / "unit_scada/interval/date=2025-12-27/not-published.parquet"
    stray.write_bytes(b"garbage, not parquet")
    con = connect_raw(wh.root)
    assert con.execute("select count(*) from unit_scada").fetchall() == [(5,)]


def test_manifest_version_is_stable_without_writes(wh: Warehouse) -> None:
    assert manifest_version(wh.root) == manifest_version(wh.root)
    with wh.writer():
        pass
    v = manifest_version(wh.root)
    with wh.writer():
        pass  # a writer session that publishes nothing changes nothing
    assert manifest_version(wh.root) == v


def test_known_columns_missing_from_every_file_read_as_null(wh: Warehouse) -> None:
    old_format = scada_table(T, 4).drop_columns(["lastchanged", "_source_file"])  # SCADA before ~2023
    with wh.writer() as w:
        w.publish(UNIT_SCADA, old_format, "PUBLIC_DISPATCHSCADA_201904291630.zip")
    con = connect_raw(wh.root)
    got = con.execute(
        "select count(*), count(lastchanged), typeof(any_value(lastchanged)), count(_source_file) from unit_scada"
    ).fetchall()
    assert got == [(4, 0, "TIMESTAMP", 0)]
    with wh.writer() as w:  # once a file has the column, its values show
        w.publish(UNIT_SCADA, scada_table(T + dt.timedelta(minutes=5), 4), "new.zip")
    refresh(con)
    assert con.execute("select count(lastchanged) from unit_scada").fetchall() == [(4,)]
