"""The C/I/D reader on every real sample, on real files altered the ways NEMWeb fails, and a round trip."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aemo_wh.errors import BadSourceFile
from aemo_wh.nemweb.mms_csv import parse_csv, read_file
from aemo_wh.nemweb.mms_stream import iter_table_chunks

from .conftest import CORE, count_d_rows, csv_members, sample_files, zip_bytes

SCADA_0005 = CORE / "dispatch_scada" / "sample_dispatchscada.csv"  # 2025-12-27 00:05, CRLF
DISPATCHIS_0005 = CORE / "dispatchis" / "sample_dispatchis.csv"  # same interval


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.name)
def test_every_sample_parses_with_one_row_per_d_row(path: Path) -> None:
    parsed = read_file(path)
    got = {k: t.num_rows for k, t in parsed.tables.items()}
    assert got == count_d_rows(path)
    assert parsed.header.publisher == "AEMO"


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.name)
def test_footer_count_is_verified_for_every_csv(path: Path) -> None:
    parsed = read_file(path)
    members = csv_members(path)
    assert parsed.footer_checked == len(members)  # every sample CSV carries END OF REPORT
    assert parsed.lines == sum(m.count(b"\n") + (0 if m.endswith(b"\n") else 1) for m in members)


def test_scada_file_of_2025_12_27_0005_has_493_duids() -> None:
    table = read_file(SCADA_0005).table("DISPATCH", "UNIT_SCADA")
    assert table is not None
    assert len(set(table.column("duid").to_pylist())) == 493
    assert set(table.column("settlementdate").to_pylist()) == {dt.datetime(2025, 12, 27, 0, 5)}
    assert table.schema.field("settlementdate").type == pa.timestamp("us")
    assert table.schema.field("duid").type == pa.string()
    assert table.schema.field("scadavalue").type == pa.float64()
    assert table.schema.field("lastchanged").type == pa.timestamp("us")


def test_paired_dispatchis_prices_equal_the_rrp_in_the_file() -> None:
    expected = {}
    for row in csv.reader(io.StringIO(DISPATCHIS_0005.read_text())):
        if row[:3] == ["I", "DISPATCH", "PRICE"]:
            cols = row[4:]
        elif row[:3] == ["D", "DISPATCH", "PRICE"]:
            rec = dict(zip(cols, row[4:], strict=True))
            expected[(rec["SETTLEMENTDATE"], rec["REGIONID"], rec["INTERVENTION"])] = float(rec["RRP"])
    price = read_file(DISPATCHIS_0005).table("DISPATCH", "PRICE")
    got = {
        (r["settlementdate"].strftime("%Y/%m/%d %H:%M:%S"), r["regionid"], str(int(r["intervention"]))): r[
            "rrp"
        ]
        for r in price.to_pylist()
    }
    assert got == expected
    assert got[("2025/12/27 00:05:00", "NSW1", "0")] == 33.51273  # as written in the file
    # and the SCADA file of the same interval is the same interval
    scada = read_file(SCADA_0005).table("DISPATCH", "UNIT_SCADA")
    assert set(price.column("settlementdate").to_pylist()) == set(scada.column("settlementdate").to_pylist())


def test_crlf_and_lf_give_the_same_tables() -> None:
    crlf = SCADA_0005.read_bytes()
    assert b"\r\n" in crlf
    a = parse_csv(crlf, "crlf")
    b = parse_csv(crlf.replace(b"\r\n", b"\n"), "lf")
    assert a.tables.keys() == b.tables.keys()
    for k in a.tables:
        assert a.tables[k].equals(b.tables[k])


def test_quoted_fields_with_commas_and_doubled_quotes() -> None:
    station = read_file(CORE / "reference" / "PUBLIC_DVD_STATION_201706010000.CSV")
    names = station.table("PARTICIPANT_REGISTRATION", "STATION").column("stationname").to_pylist()
    assert 'Vales Point "B" Power Station' in names
    addresses = station.table("PARTICIPANT_REGISTRATION", "STATION").column("address1").to_pylist()
    assert any(a and "," in a for a in addresses)


def test_zip_of_zips_archive_bundle_reads_all_336_members() -> None:
    parsed = read_file(CORE / "rooftop_pv" / "PUBLIC_ROOFTOP_PV_ACTUAL_MEASUREMENT_20240314.zip")
    assert len(parsed.members) == 336
    assert parsed.footer_checked == 336
    table = parsed.table("ROOFTOP", "ACTUAL")
    assert table.num_rows == 3360
    times = table.column("interval_datetime").to_pylist()
    assert min(times) == dt.datetime(2024, 3, 13, 23, 30)
    assert max(times) == dt.datetime(2024, 3, 20, 23, 0)


def test_upper_case_zip_of_2012() -> None:
    parsed = read_file(CORE / "dispatchis" / "PUBLIC_DISPATCHIS_201209011345_0000000238795937.ZIP")
    assert ("DISPATCH", "INTERCONNECTORRES", "2") in parsed.tables


def test_columns_matched_by_name_across_versions_and_drift() -> None:
    old = read_file(CORE / "dispatch_scada" / "PUBLIC_DISPATCHSCADA_201904291630_0000000307295427.CSV")
    new = read_file(SCADA_0005)
    assert old.table("DISPATCH", "UNIT_SCADA").column_names == ["settlementdate", "duid", "scadavalue"]
    assert new.table("DISPATCH", "UNIT_SCADA").column_names == [
        "settlementdate",
        "duid",
        "scadavalue",
        "lastchanged",
    ]


# -- the ways a file goes wrong -------------------------------------------------------------------


def _with_extra_column(data: bytes) -> bytes:
    """The real SCADA file with a column AEMO might add without a version bump."""
    out = []
    for line in data.split(b"\r\n"):
        if line.startswith(b"I,DISPATCH,UNIT_SCADA"):
            line += b",NEW_FLAG"
        elif line.startswith(b"D,DISPATCH,UNIT_SCADA"):
            line += b",7"
        out.append(line)
    return b"\r\n".join(out)


def test_extra_unknown_column_is_kept_and_known_columns_unchanged() -> None:
    base = read_file(SCADA_0005).table("DISPATCH", "UNIT_SCADA")
    extra = parse_csv(_with_extra_column(SCADA_0005.read_bytes()), "extra").table("DISPATCH", "UNIT_SCADA")
    assert extra.column_names == [*base.column_names, "new_flag"]
    assert extra.select(base.column_names).equals(base)
    assert set(extra.column("new_flag").to_pylist()) == {7.0}


def test_d_row_wider_than_its_i_row_is_rejected() -> None:
    data = SCADA_0005.read_bytes().replace(b"BARCSF1,0.20,", b"BARCSF1,0.20,99,", 1)
    with pytest.raises(BadSourceFile, match="DISPATCH,UNIT_SCADA,1"):
        parse_csv(data, "wide")


def test_footer_mismatch_means_truncated() -> None:
    lines = SCADA_0005.read_bytes().split(b"\r\n")
    cut = b"\r\n".join(lines[:100] + lines[-2:])  # rows lost in the middle, footer kept
    with pytest.raises(BadSourceFile, match="footer says 496 lines"):
        parse_csv(cut, "cut")


def test_csv_cut_mid_row_is_rejected() -> None:
    data = SCADA_0005.read_bytes()
    with pytest.raises(BadSourceFile):
        parse_csv(data[: len(data) // 2], "half")


def test_truncated_zip_is_rejected_with_reason() -> None:
    data = (CORE / "dispatchis" / "dispatchis_sample.zip").read_bytes()
    with pytest.raises(BadSourceFile, match="truncated or corrupt zip"):
        read_file(data[: len(data) // 2], "half.zip")


def test_html_page_served_as_zip_is_rejected() -> None:
    page = (CORE / "dirlisting" / "listing_reports_current_unquoted.html").read_bytes()
    with pytest.raises(BadSourceFile, match="HTML page"):
        read_file(page, "PUBLIC_DISPATCHIS_202512270005_0000000495867501.zip")


@pytest.mark.parametrize("body", [b"", b"   \r\n"], ids=["empty", "blank"])
def test_empty_body_is_rejected(body: bytes) -> None:
    with pytest.raises(BadSourceFile, match="empty"):
        read_file(body, "empty.zip")


def test_zip_without_csv_is_rejected() -> None:
    with pytest.raises(BadSourceFile, match="no CSV"):
        read_file(zip_bytes("readme.txt", b"hello"), "x.zip")


def test_table_with_i_row_and_no_d_rows_is_an_empty_typed_table() -> None:
    head, i_row = SCADA_0005.read_bytes().split(b"\r\n")[:2]
    data = b"\r\n".join([head, i_row, b'C,"END OF REPORT",3', b""])
    table = parse_csv(data, "empty-table").table("DISPATCH", "UNIT_SCADA")
    assert table.num_rows == 0
    assert table.schema.field("settlementdate").type == pa.timestamp("us")
    assert table.schema.field("duid").type == pa.string()


def test_absent_table_has_no_i_row_and_reads_as_none() -> None:
    parsed = read_file(CORE / "dispatchis" / "PUBLIC_DISPATCHIS_201905160010_0000000307932107.CSV")
    assert parsed.table("DISPATCH", "LOCAL_PRICE") is None  # absent in this interval, present next door
    assert parsed.table("DISPATCH", "PRICE").num_rows == 5


def test_rows_of_another_table_without_i_row_are_rejected() -> None:
    data = SCADA_0005.read_bytes().replace(b"D,DISPATCH,UNIT_SCADA,1,", b"D,DISPATCH,UNIT_SCADA,2,", 1)
    with pytest.raises(BadSourceFile, match="not a D row of this table"):
        parse_csv(data, "mixed")


# -- streaming -------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk", [4000, 65536])
@pytest.mark.parametrize(
    "name",
    [
        "mmsdm/PUBLIC_DVD_TRADINGREGIONSUM_201706010000.CSV",
        "rooftop_pv/PUBLIC_DVD_ROOFTOP_PV_ACTUAL_201912010000.zip",
        "dispatchis/sample_dispatchis.csv",
    ],
)
def test_streamed_chunks_equal_the_whole_file(name: str, chunk: int) -> None:
    whole = read_file(CORE / name)
    parts: dict = {}
    for key, table in iter_table_chunks(CORE / name, chunk_bytes=chunk):
        parts.setdefault(key, []).append(table)
    assert parts.keys() == {k for k, t in whole.tables.items() if t.num_rows}
    for key, tables in parts.items():
        streamed = pa.concat_tables(tables, promote_options="permissive")
        assert streamed.num_rows == whole.tables[key].num_rows
        assert streamed.to_pylist() == whole.tables[key].to_pylist()


def test_streaming_detects_a_bad_footer(tmp_path: Path) -> None:
    lines = (CORE / "mmsdm" / "PUBLIC_DVD_TRADINGREGIONSUM_201706010000.CSV").read_bytes().split(b"\r\n")
    bad = tmp_path / "cut.CSV"
    bad.write_bytes(b"\r\n".join(lines[:5000] + lines[-2:]))
    with pytest.raises(BadSourceFile, match="footer"):
        for _ in iter_table_chunks(bad, chunk_bytes=64 * 1024):
            pass


def test_streaming_reads_a_zip_member(tmp_path: Path) -> None:
    src = (CORE / "mmsdm" / "PUBLIC_DVD_TRADINGINTERCONNECT_201706010000.CSV").read_bytes()
    z = tmp_path / "PUBLIC_DVD_TRADINGINTERCONNECT_201706010000.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("PUBLIC_DVD_TRADINGINTERCONNECT_201706010000.CSV", src)
    assert sum(t.num_rows for _, t in iter_table_chunks(z, chunk_bytes=50_000)) == 8640


# -- round trip (property) -------------------------------------------------------------------------

_ids = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789#/", min_size=1, max_size=8)
# free text starting with a letter (a column of numbers is typed as numbers, by design)
_text = st.tuples(
    st.sampled_from("abcXYZ"),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=12),
).map("".join)
_rows = st.lists(
    st.tuples(
        st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1)).map(
            lambda d: d.replace(microsecond=0)
        ),
        _ids,
        st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, width=64)),
        _text,
    ),
    min_size=1,
    max_size=30,
)


def _write(rows: list[tuple]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["C", "NEMP.WORLD", "TEST", "AEMO", "PUBLIC", "2025/01/01", "00:00:00", "1", "TEST", "1"])
    w.writerow(["I", "TEST", "THING", "1", "SETTLEMENTDATE", "DUID", "VALUE", "NOTE"])
    for ts, duid, value, note in rows:
        w.writerow(["D", "TEST", "THING", "1", ts.strftime("%Y/%m/%d %H:%M:%S"), duid,
                    "" if value is None else repr(value), note])  # fmt: skip
    body = buf.getvalue()
    return (body + f'C,"END OF REPORT",{len(rows) + 3}\r\n').encode()


@settings(max_examples=60, deadline=None)
@given(_rows)
def test_parse_of_written_table_round_trips(rows: list[tuple]) -> None:
    table = parse_csv(_write(rows), "prop").table("TEST", "THING")
    assert table.column("settlementdate").to_pylist() == [r[0] for r in rows]
    assert table.column("duid").to_pylist() == [r[1] for r in rows]
    assert table.column("value").to_pylist() == [r[2] for r in rows]
    assert table.column("note").to_pylist() == [r[3] for r in rows]
