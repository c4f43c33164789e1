"""Typed table contracts (issue 12): one bad value never poisons the warehouse.

Every case mutates a real AEMO file from tests/data/core one way, lands it in one batch together
with a good real file, and asserts the outcome (landed with the right values, or quarantined with
the named column and line), that the good file landed, and that every view still answers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import time
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from aemo_wh import views
from aemo_wh.config import Settings
from aemo_wh.ingest.cli import cmd_status
from aemo_wh.ingest.run import ingest_files
from aemo_wh.warehouse import Warehouse
from aemo_wh.warehouse.check import check_warehouse, repair
from aemo_wh.warehouse.layout import interval_path
from aemo_wh.warehouse.manifest import FileEntry
from aemo_wh.warehouse.tables import TABLES

from .conftest import CORE

SCADA = (CORE / "dispatch_scada" / "sample_dispatchscada.csv").read_bytes()
SCADA_NAME = "PUBLIC_DISPATCHSCADA_202512270005_0000000495867506.CSV"  # its name per its C row
DISPATCHIS = (CORE / "dispatchis" / "sample_dispatchis.csv").read_bytes()
DISPATCHIS_NAME = "PUBLIC_DISPATCHIS_202512270005_0000000495867501.CSV"
GOOD = CORE / "dispatch_scada" / "PUBLIC_DISPATCHSCADA_201904291630_0000000307295427.CSV"  # 324 rows
GOOD_IS = CORE / "dispatchis" / "PUBLIC_DISPATCHIS_201905160000_0000000307931755.CSV"
SCADA_ROWS, GOOD_ROWS = 493, 324


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / "in" / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


def _line_of(data: bytes, needle: bytes) -> int:
    return data[: data.index(needle)].count(b"\n") + 1


def _views_answer(settings: Settings) -> dict[str, int]:
    """Every raw table and view answers a count (the poisoned warehouse failed here: Binder Error)."""
    con = views.connect(settings)
    try:
        names = [r[0] for r in con.execute("select view_name from duckdb_views() where not internal").fetchall()]
        return {n: con.execute(f'select count(*) from "{n}"').fetchall()[0][0] for n in names}
    finally:
        con.close()


def _scada_values(settings: Settings, duid: str) -> list:
    """SCADAVALUE of `duid` as landed from the mutated 2025 file (the good 2019 file has the DUID too)."""
    con = views.connect(settings)
    try:
        q = "select scadavalue from unit_scada where duid = ? and _source_file = ?"
        return [r[0] for r in con.execute(q, [duid, SCADA_NAME]).fetchall()]
    finally:
        con.close()


def _ingest(settings: Settings, *paths: Path):  # noqa: ANN202
    report = ingest_files([*paths, GOOD], settings)
    assert GOOD.name in report.loaded, report.quarantined
    counts = _views_answer(settings)
    return report, counts


def _quarantined(report, name: str) -> str:  # noqa: ANN001
    hits = [r for n, r in report.quarantined if n == name]
    assert hits, f"{name} was not quarantined: {report.summary()}"
    return hits[0]


# -- values that do not fit their column ----------------------------------------------------------


def test_non_numeric_scadavalue_is_quarantined_with_column_line_and_value(tmp_path: Path, settings: Settings) -> None:
    bad = SCADA.replace(b"BARCSF1,0.20,", b"BARCSF1,abc,", 1)
    path = _write(tmp_path, SCADA_NAME, bad)
    report, counts = _ingest(settings, path)
    reason = _quarantined(report, SCADA_NAME)
    assert "UNIT_SCADA" in reason and "scadavalue" in reason and "'abc'" in reason
    assert f"line {_line_of(bad, b'BARCSF1,abc,')}" in reason
    assert counts["unit_scada"] == GOOD_ROWS  # nothing of the bad file, all of the good one
    assert (settings.warehouse_dir / "_quarantine" / SCADA_NAME).is_file()


def test_non_numeric_rrp_quarantines_the_whole_dispatchis_file(tmp_path: Path, settings: Settings) -> None:
    bad = DISPATCHIS.replace(b"NSW1,20251226241,0,33.51273,", b'NSW1,20251226241,0,"notaprice",', 1)
    path = _write(tmp_path, DISPATCHIS_NAME, bad)
    report = ingest_files([path, GOOD_IS], settings)
    reason = _quarantined(report, DISPATCHIS_NAME)
    assert "DISPATCH,PRICE" in reason and "rrp" in reason and "'notaprice'" in reason
    assert f"line {_line_of(bad, b'notaprice')}" in reason
    assert GOOD_IS.name in report.loaded
    counts = _views_answer(settings)
    con = views.connect(settings)
    sources = {r[0] for t in ("dispatch_price", "dispatch_regionsum", "dispatch_interconnectorres")
               for r in con.execute(f"select distinct _source_file from {t}").fetchall()}  # fmt: skip
    assert sources == {GOOD_IS.name}  # no table of the bad file landed
    assert counts["region_price"] > 0


def test_a_bad_time_names_its_line(tmp_path: Path, settings: Settings) -> None:
    bad = SCADA.replace(b'"2025/12/27 00:05:00",BARCSF1', b'"2025/13/27 00:05:00",BARCSF1', 1)
    report, _counts = _ingest(settings, _write(tmp_path, SCADA_NAME, bad))
    reason = _quarantined(report, SCADA_NAME)
    assert "settlementdate" in reason and "2025/13/27" in reason
    assert f"line {_line_of(bad, b'2025/13/27')}" in reason


def test_a_zip_with_one_good_and_one_bad_member_lands_nothing_of_it(tmp_path: Path, settings: Settings) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("PUBLIC_DISPATCHSCADA_202512270005_0000000495867506.CSV", SCADA)
        zf.writestr("PUBLIC_DISPATCHSCADA_202512270010_0000000495867999.CSV",
                    SCADA.replace(b"00:05:00", b"00:10:00").replace(b"BARCSF1,0.20,", b"BARCSF1,n/a,", 1))  # fmt: skip
    name = "PUBLIC_DISPATCHSCADA_20251227.zip"
    report, counts = _ingest(settings, _write(tmp_path, name, buf.getvalue()))
    reason = _quarantined(report, name)
    assert "PUBLIC_DISPATCHSCADA_202512270010_0000000495867999.CSV" in reason and "'n/a'" in reason
    assert counts["unit_scada"] == GOOD_ROWS


def test_a_nul_byte_in_a_duid_is_refused(tmp_path: Path, settings: Settings) -> None:
    bad = SCADA.replace(b"BARCSF1,", b"BAR\x00SF1,", 1)
    report, counts = _ingest(settings, _write(tmp_path, SCADA_NAME, bad))
    reason = _quarantined(report, SCADA_NAME)
    assert f"NUL byte at byte {bad.index(b'BAR') + 3}" in reason  # AEMO's CSVs are text
    assert counts["unit_scada"] == GOOD_ROWS


def test_a_control_character_in_a_key_column_is_refused(tmp_path: Path, settings: Settings) -> None:
    bad = SCADA.replace(b"BARCSF1,", b"BAR\x01SF1,", 1)
    report, counts = _ingest(settings, _write(tmp_path, SCADA_NAME, bad))
    reason = _quarantined(report, SCADA_NAME)
    assert "key column duid holds a control character" in reason and "BAR\\x01SF1" in reason
    assert counts["unit_scada"] == GOOD_ROWS


def test_a_blank_key_is_refused(tmp_path: Path, settings: Settings) -> None:
    bad = SCADA.replace(b"BARCSF1,0.20,", b",0.20,", 1)  # a row without its DUID
    report, counts = _ingest(settings, _write(tmp_path, SCADA_NAME, bad))
    assert "1 row(s) without duid" in _quarantined(report, SCADA_NAME)
    assert counts["unit_scada"] == GOOD_ROWS


def test_text_that_is_not_utf8_names_its_column_and_line(tmp_path: Path, settings: Settings) -> None:
    bad = SCADA.replace(b"BARCSF1,", b"BAR\xff\xfeF1,", 1)
    report, counts = _ingest(settings, _write(tmp_path, SCADA_NAME, bad))
    reason = _quarantined(report, SCADA_NAME)
    assert "column duid" in reason and f"line {_line_of(bad, b'BAR')}" in reason and "UTF-8" in reason
    assert counts["unit_scada"] == GOOD_ROWS


def test_blank_fields_stay_null_and_are_not_an_error(tmp_path: Path, settings: Settings) -> None:
    bad = SCADA.replace(b"BARCSF1,0.20,", b"BARCSF1,,", 1)
    report, counts = _ingest(settings, _write(tmp_path, SCADA_NAME, bad))
    assert report.quarantined == [] and SCADA_NAME in report.loaded
    assert _scada_values(settings, "BARCSF1") == [None]
    assert counts["unit_scada"] == SCADA_ROWS + GOOD_ROWS


def test_a_column_aemo_adds_is_kept_as_text_in_every_file(tmp_path: Path, settings: Settings) -> None:
    text = SCADA.decode()
    text = text.replace("SCADAVALUE,LASTCHANGED", "SCADAVALUE,LASTCHANGED,NEW_FLAG", 1)
    text = re.sub(r'^(D,DISPATCH,UNIT_SCADA,1,.*)$', lambda m: m.group(1).rstrip("\r") + ",7\r", text, flags=re.M)
    report, _counts = _ingest(settings, _write(tmp_path, SCADA_NAME, text.encode()))
    assert SCADA_NAME in report.loaded
    entries = Warehouse(settings.warehouse_dir).manifest("unit_scada").files
    schemas = [pq.read_schema(settings.warehouse_dir / e.path) for e in entries]
    assert any("new_flag" in sc.names for sc in schemas)
    for sc in schemas:
        assert sc.field("scadavalue").type == pa.float64()
        if "new_flag" in sc.names:
            assert sc.field("new_flag").type == pa.string()
    assert all(e.contract >= 1 for e in entries)
    con = views.connect(settings)
    assert con.execute("select distinct new_flag from unit_scada where _source_file = ?", [SCADA_NAME]).fetchall() == [("7",)]


# -- file shapes ------------------------------------------------------------------------------------


def test_a_utf8_bom_is_tolerated(tmp_path: Path, settings: Settings) -> None:
    report, counts = _ingest(settings, _write(tmp_path, SCADA_NAME, b"\xef\xbb\xbf" + SCADA))
    assert SCADA_NAME in report.loaded
    assert counts["unit_scada"] == SCADA_ROWS + GOOD_ROWS
    assert _scada_values(settings, "BARCSF1") == [0.20]


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_a_file_without_its_footer_is_quarantined(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch, streamed: bool
) -> None:
    """A download cut exactly at a line end looks complete but for its footer; both readers refuse it
    (`streamed`: the chunked path MMSDM months take)."""
    from aemo_wh.ingest import run as ingest_run

    if streamed:
        monkeypatch.setattr(ingest_run, "LARGE_FILE_BYTES", 1000)
    cut = SCADA[: SCADA.rindex(b"C,\"END OF REPORT\"")]
    report, counts = _ingest(settings, _write(tmp_path, SCADA_NAME, cut))
    assert "no END OF REPORT footer" in _quarantined(report, SCADA_NAME)
    assert counts["unit_scada"] == GOOD_ROWS


def test_a_streamed_file_with_a_bad_value_in_its_last_row_lands_none_of_it(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MMSDM months are parsed chunk by chunk; the chunks are staged and land only when the whole
    file has parsed, so the rows before a bad value are not published either."""
    from aemo_wh.ingest import run as ingest_run

    monkeypatch.setattr(ingest_run, "LARGE_FILE_BYTES", 1000)
    monkeypatch.setattr(ingest_run, "CHUNK_BYTES", 4000)
    monkeypatch.setattr(ingest_run, "STREAM_PUBLISH_ROWS", 50)
    last = SCADA.rindex(b"\nD,") + 1
    cells = SCADA[last:].split(b"\n", 1)[0].split(b",")
    cells[6] = b"oops"
    bad = SCADA[:last] + b",".join(cells) + SCADA[last:][SCADA[last:].index(b"\n"):]
    report, counts = _ingest(settings, _write(tmp_path, SCADA_NAME, bad))
    reason = _quarantined(report, SCADA_NAME)
    assert "'oops'" in reason and f"line {_line_of(bad, b'oops')}" in reason
    assert counts["unit_scada"] == GOOD_ROWS
    assert not list((settings.warehouse_dir / "_staging").glob("*.arrow"))
    other = SCADA_NAME.replace("506.CSV", "507.CSV")  # the same rows, unbroken, land whole in 10 chunks
    good = ingest_files([_write(tmp_path, other, SCADA)], settings)
    assert good.loaded == [other] and _views_answer(settings)["unit_scada"] == GOOD_ROWS + SCADA_ROWS


def _bomb(tmp_path: Path, name: str, head: bytes, mib: int, line: bytes = b"") -> Path:
    """A zip whose one CSV member expands to `head` + `mib` MiB of `line` repeated (default NUL bytes)."""
    path = tmp_path / "in" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    block = (line * ((1 << 20) // len(line) + 1))[: 1 << 20] if line else b"\0" * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open(name.replace(".zip", ".CSV"), "w") as fh:
        fh.write(head)
        for _ in range(mib):
            fh.write(block)
    return path


def test_nul_bytes_after_a_real_header_are_refused_at_once(tmp_path: Path, settings: Settings) -> None:
    name = "PUBLIC_DISPATCHSCADA_202512270010_0000000495867600.zip"
    path = _bomb(tmp_path, name, SCADA[: SCADA.index(b"\nD,") + 1], 256)
    report, counts = _ingest(settings, path)
    assert "NUL byte at byte" in _quarantined(report, name)
    assert counts["unit_scada"] == GOOD_ROWS


def test_a_zip_bomb_is_refused_at_its_first_bytes(tmp_path: Path, settings: Settings) -> None:
    name = "PUBLIC_DISPATCHSCADA_202512270010_0000000495867600.zip"
    path = _bomb(tmp_path, name, b"", 1024)  # 1 GiB of NUL
    t0 = time.perf_counter()
    report, counts = _ingest(settings, path)
    assert time.perf_counter() - t0 < 30
    assert "does not start with an AEMO 'C' header row" in _quarantined(report, name)
    assert counts["unit_scada"] == GOOD_ROWS


def test_expansion_beyond_the_cap_is_refused(tmp_path: Path, settings: Settings) -> None:
    """A bomb of valid-looking rows is stopped by nemweb.max_uncompressed_mb while reading."""
    name = "PUBLIC_DISPATCHSCADA_202512270010_0000000495867600.zip"
    head = SCADA[: SCADA.index(b"\nD,") + 1]
    row = b'D,DISPATCH,UNIT_SCADA,1,"2025/12/27 00:10:00",BARCSF1,0.20,"2025/12/27 00:05:10"\r\n'
    path = _bomb(tmp_path, name, head, 64, row)
    capped = settings.with_overrides(nemweb={"max_uncompressed_mb": 16})
    report = ingest_files([path, GOOD], capped)
    assert "the nemweb.max_uncompressed_mb cap" in _quarantined(report, name)
    assert GOOD.name in report.loaded


def test_a_report_type_not_landed_is_recorded_skipped_and_not_examined_again(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    legacy = CORE / "dispatch_reports" / "PUBLIC_DISPATCH_202403151945_20240315194011_LEGACY.zip"
    first, _counts = _ingest(settings, legacy)
    assert [n for n, _r in first.not_landed] == [legacy.name]
    row = Warehouse(settings.warehouse_dir).ledger.lookup(legacy.name)
    assert row["status"] == "skipped" and "DISPATCH,CASESOLUTION" in row["error"]
    again = ingest_files([legacy], settings)
    assert again.skipped == 1 and again.not_landed == []
    assert cmd_status(argparse.Namespace(json=False), settings) == 0
    out = capsys.readouterr().out
    assert "1 file(s) skipped" in out and legacy.name in out


# -- property: random corruption of one field never leaves a view failing ------------------------

_D_ROWS = [i for i, line in enumerate(SCADA.split(b"\n")) if line.startswith(b"D,")]


@hyp_settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    row=st.sampled_from(_D_ROWS),
    field=st.integers(min_value=4, max_value=7),
    value=st.one_of(
        st.text(alphabet=st.characters(blacklist_characters='\r\n",', blacklist_categories=("Cs",)), max_size=12),
        st.sampled_from(["abc", "1e999", "-", "NaN", "2025/02/30 00:00:00", "", "1,2", "\x00"]),
    ),
)
def test_one_corrupted_field_never_breaks_a_view(tmp_path_factory, settings: Settings, row: int, field: int,
                                                 value: str) -> None:  # fmt: skip
    lines = SCADA.split(b"\n")
    cells = lines[row].rstrip(b"\r").split(b",")
    cells[field] = value.encode("utf-8")
    lines[row] = b",".join(cells) + b"\r"
    tmp = tmp_path_factory.mktemp("corrupt")
    s = settings.with_overrides(paths={"warehouse": tmp / "warehouse", "logs": tmp / "logs"})
    report = ingest_files([_write(tmp, SCADA_NAME, b"\n".join(lines)), GOOD], s)
    assert GOOD.name in report.loaded
    assert (SCADA_NAME in report.loaded) != any(n == SCADA_NAME for n, _r in report.quarantined)
    counts = _views_answer(s)
    assert counts["unit_scada"] in (GOOD_ROWS, GOOD_ROWS + SCADA_ROWS - 1, GOOD_ROWS + SCADA_ROWS)
    con = views.connect(s)
    types = dict(con.execute("select column_name, column_type from (describe unit_scada)").fetchall())
    assert types["scadavalue"] == "DOUBLE" and types["settlementdate"] == "TIMESTAMP"


# -- aemo-wh check / --repair on a warehouse poisoned by the old behaviour -------------------------


def _poison(settings: Settings) -> str:
    """Publish what the old writer did for `SCADAVALUE=abc`: a unit_scada file typed string,
    holding the good file's rows (so `--repair` + re-ingest must bring them back)."""
    wh = Warehouse(settings.warehouse_dir)
    entry = wh.manifest("unit_scada").files[0]
    rows = pq.read_table(settings.warehouse_dir / entry.path)
    text = rows.set_column(rows.schema.get_field_index("scadavalue"), "scadavalue",
                           rows["scadavalue"].cast(pa.string()))  # fmt: skip
    rel = interval_path("unit_scada", dt.date.fromisoformat(entry.date), "old-build")
    with wh.writer() as w:
        path = settings.warehouse_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(text, path)  # bypasses the contract, as a pre-contract version did
        bad = FileEntry(rel, entry.date, entry.min_ts, entry.max_ts, text.num_rows, "interval", entry.source)
        w.swap("unit_scada", [bad], [entry])
    return rel


def test_check_reports_a_poisoned_warehouse_and_repair_heals_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aemo_wh.cli import main

    monkeypatch.setenv("AEMO_WH_PATHS_WAREHOUSE", str(settings.warehouse_dir))
    monkeypatch.setenv("AEMO_WH_PATHS_LOGS", str(settings.log_file.parent))
    ingest_files([GOOD], settings)
    assert check_warehouse(settings.warehouse_dir).ok
    rel = _poison(settings)
    # the views still answer: the raw view reads the off-type column as the contract says
    assert _views_answer(settings)["unit_scada"] == GOOD_ROWS
    result = check_warehouse(settings.warehouse_dir)
    assert not result.ok
    [problem] = next(t for t in result.tables if t.table == "unit_scada").bad_files
    assert problem.path == rel and "scadavalue is string" in problem.problem and problem.sources == [GOOD.name]
    assert main(["check"]) == 1
    assert main(["check", "--repair"]) == 0  # repaired, then checked again: sound
    assert check_warehouse(settings.warehouse_dir).ok
    assert (settings.warehouse_dir / "_quarantine" / "parquet" / rel).is_file()
    assert Warehouse(settings.warehouse_dir).ledger.lookup(GOOD.name)["status"] == "error"  # to re-fetch
    assert _views_answer(settings)["unit_scada"] == 0
    again = ingest_files([GOOD], settings)  # the next ingest lands the marked source again
    assert again.loaded == [GOOD.name]
    assert _views_answer(settings)["unit_scada"] == GOOD_ROWS
    assert check_warehouse(settings.warehouse_dir).ok


def test_check_passes_an_old_file_whose_empty_column_was_typed_by_its_name(settings: Settings) -> None:
    """A pre-contract writer typed an all-empty column by its name (OCD_STATUS as a double): the file is
    sound and readable, so check must not send it for a re-fetch; a non-empty off-type column it does flag."""
    ingest_files([GOOD_IS], settings)
    wh = Warehouse(settings.warehouse_dir)
    entry = wh.manifest("dispatch_price").files[0]
    rows = pq.read_table(settings.warehouse_dir / entry.path)
    i = rows.schema.get_field_index("ocd_status")
    old = rows.set_column(i, "ocd_status", pa.nulls(rows.num_rows, pa.float64()))
    rel = interval_path("dispatch_price", dt.date.fromisoformat(entry.date), "old-build")
    with wh.writer() as w:
        pq.write_table(old, settings.warehouse_dir / rel)
        w.swap("dispatch_price", [FileEntry(rel, entry.date, entry.min_ts, entry.max_ts, old.num_rows, "interval",
                                            entry.source)], [entry])  # fmt: skip
    assert check_warehouse(settings.warehouse_dir).ok
    assert _views_answer(settings)["dispatch_price"] == old.num_rows


def test_check_finds_duplicate_keys_and_rows_outside_their_partition(settings: Settings) -> None:
    ingest_files([GOOD], settings)
    wh = Warehouse(settings.warehouse_dir)
    entry = wh.manifest("unit_scada").files[0]
    rows = pq.read_table(settings.warehouse_dir / entry.path)
    day = dt.date.fromisoformat(entry.date)
    with wh.writer() as w:  # an older build's planted duplicate, and a file filed under the wrong date
        dup = w.write_file(rows, interval_path("unit_scada", day, "dup"), TABLES["unit_scada"], level="interval",
                           date=entry.date, source="dup")  # fmt: skip
        wrong = w.write_file(rows.slice(0, 1), interval_path("unit_scada", day + dt.timedelta(days=3), "wrong"),
                             TABLES["unit_scada"], level="interval", date=str(day + dt.timedelta(days=3)))  # fmt: skip
        w.swap("unit_scada", [dup, wrong], [])
    result = check_warehouse(settings.warehouse_dir)
    t = next(t for t in result.tables if t.table == "unit_scada")
    assert t.duplicate_keys == GOOD_ROWS and t.duplicate_dates == [entry.date]
    assert [p.path for p in t.bad_files] == [wrong.path] and "outside its partition" in t.bad_files[0].problem
    with wh.writer() as w:
        done = repair(w, result)
    assert done["partitions_merged"] == 1 and done["files_quarantined"] == 1
    assert check_warehouse(settings.warehouse_dir).ok
    assert _views_answer(settings)["unit_scada"] == GOOD_ROWS


def test_health_shows_the_last_check(settings: Settings) -> None:
    from aemo_wh.ops.health import check_health, render_text

    ingest_files([GOOD], settings)
    assert "contract check: never run" in render_text(check_health(settings))
    check_warehouse(settings.warehouse_dir)
    report = check_health(settings)
    assert report.last_check["ok"] is True and "contract check at" in render_text(report)
