"""Simulated files have the structure of the real AEMO files of the same kind (I rows, column
names and order, quoting, CRLF, footer count, names) and the parser reads both with the same code."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest

from aemo_wh.demo.mirror import build_mirror
from aemo_wh.mms_csv import read_file

DATA = Path(__file__).resolve().parent.parent / "data" / "demo"
END = dt.datetime(2026, 3, 4, 12, 0)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mirror")
    build_mirror(root, days=2, seed=11, end=END)
    return root


def _csv_of(zip_path: Path) -> tuple[str, bytes]:
    with zipfile.ZipFile(zip_path) as zf:
        (name,) = zf.namelist()
        return name, zf.read(name)


def _real(kind: str) -> bytes:
    if kind == "rooftop":
        return _csv_of(DATA / "PUBLIC_ROOFTOP_PV_ACTUAL_MEASUREMENT_20240303200000_0000000412707330.zip")[1]
    return (DATA / {"scada": "sample_dispatchscada.csv", "dispatchis": "sample_dispatchis.csv"}[kind]).read_bytes()


def _first(mirror: Path, folder: str) -> Path:
    return sorted((mirror / folder).iterdir())[0]


FOLDERS = {
    "scada": "Reports/Current/Dispatch_SCADA",
    "dispatchis": "Reports/Current/DispatchIS_Reports",
    "rooftop": "Reports/Current/ROOFTOP_PV/ACTUAL",
}
NAMES = {
    "scada": (r"PUBLIC_DISPATCHSCADA_\d{12}_\d{16}\.zip", r"PUBLIC_DISPATCHSCADA_\d{12}_\d{16}\.CSV"),
    "dispatchis": (r"PUBLIC_DISPATCHIS_\d{12}_\d{16}\.zip", r"PUBLIC_DISPATCHIS_\d{12}_\d{16}\.CSV"),
    "rooftop": (
        r"PUBLIC_ROOFTOP_PV_ACTUAL_MEASUREMENT_\d{14}_\d{16}\.zip",
        r"PUBLIC_ROOFTOP_PV_ACTUAL_MEASUREMENT_\d{14}_\d{16}\.csv",
    ),
}


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("ascii"), newline="")))


def _quoted_columns(data: bytes) -> dict[tuple[str, str], set[str]]:
    """Per table (report, sub-type): the columns whose non-empty values are written quoted."""
    out: dict[tuple[str, str], set[str]] = {}
    cols: dict[tuple[str, str], list[str]] = {}
    for line in data.decode("ascii").split("\r\n"):
        if not line:
            continue
        fields = next(csv.reader([line]))
        raw = re.findall(r'("(?:[^"]|"")*"|[^,]*)(?:,|$)', line)[: len(fields)]
        key = (fields[1], fields[2]) if len(fields) > 2 else ("", "")
        if fields[0] == "I":
            cols[key] = fields[4:]
        elif fields[0] == "D":
            q = out.setdefault(key, set())
            for col, text in zip(cols[key], raw[4:], strict=True):
                if text.startswith('"'):
                    q.add(col)
    return out


@pytest.mark.parametrize("kind", ["scada", "dispatchis", "rooftop"])
def test_structure_matches_the_real_file(mirror: Path, kind: str) -> None:
    zpath = _first(mirror, FOLDERS[kind])
    member, ours = _csv_of(zpath)
    real = _real(kind)
    assert re.fullmatch(NAMES[kind][0], zpath.name) and re.fullmatch(NAMES[kind][1], member)
    # CRLF everywhere, ASCII, footer counts every line.
    assert ours.endswith(b"\r\n") and b"\n" not in ours.replace(b"\r\n", b"")
    rows, real_rows = _rows(ours), _rows(real)
    assert rows[-1] == ["C", "END OF REPORT", str(len(rows))]
    assert ours.splitlines()[-1] == b'C,"END OF REPORT",' + str(len(rows)).encode()
    # Header C row: same fields as AEMO's except the publisher (the demo marker).
    ours_c, real_c = rows[0], real_rows[0]
    assert len(ours_c) == len(real_c) == 10
    assert ours_c[3] == "AEMO_WH_DEMO" and real_c[3] == "AEMO"
    assert [ours_c[i] for i in (0, 1, 2, 4, 8)] == [real_c[i] for i in (0, 1, 2, 4, 8)]
    # Every I row we write is exactly a real I row (report, sub-type, version, columns, order).
    ours_i = [r for r in rows if r[0] == "I"]
    real_i = {tuple(r[1:3]): r for r in real_rows if r[0] == "I"}
    assert ours_i and all(real_i[tuple(r[1:3])] == r for r in ours_i)
    # D rows as wide as their I row; the same columns quoted as in the real file.
    width = {tuple(r[1:3]): len(r) for r in ours_i}
    assert all(len(r) == width[tuple(r[1:3])] for r in rows if r[0] == "D")
    ours_q, real_q = _quoted_columns(ours), _quoted_columns(real)
    for key, quoted in ours_q.items():
        assert quoted == real_q[key], key


@pytest.mark.parametrize("kind", ["scada", "dispatchis", "rooftop"])
def test_parser_reads_simulated_and_real_alike(mirror: Path, kind: str, tmp_path: Path) -> None:
    ours = read_file(_first(mirror, FOLDERS[kind]))
    real_bytes = _real(kind)
    real = read_file(real_bytes, name=f"real_{kind}.CSV")
    assert ours.header.publisher == "AEMO_WH_DEMO" and real.header.publisher == "AEMO"
    for key, table in ours.tables.items():
        assert key in real.tables
        assert table.schema.names == real.tables[key].schema.names
        assert [f.type for f in table.schema] == [f.type for f in real.tables[key].schema]
        assert table.num_rows > 0


def test_archive_bundles_are_zips_of_the_current_zips(mirror: Path) -> None:
    bundle = mirror / "Reports/Archive/Dispatch_SCADA/PUBLIC_DISPATCHSCADA_20260302.zip"
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
        assert len(names) == 288
        assert all(re.fullmatch(NAMES["scada"][0], n) for n in names)
        first = zipfile.ZipFile(io.BytesIO(zf.read(names[0])))
        assert re.fullmatch(NAMES["scada"][1], first.namelist()[0])
    parsed = read_file(bundle)
    assert parsed.tables[("DISPATCH", "UNIT_SCADA", "1")].num_rows > 288 * 400
    weekly = mirror / "Reports/Archive/ROOFTOP_PV/ACTUAL"
    assert not weekly.exists() or not list(weekly.iterdir())  # week from Thu 02-26 ends 03-04: still open
    labels = sorted(p.name.split("_")[5] for p in (mirror / FOLDERS["rooftop"]).iterdir())
    assert labels[0] == "20260302010000" and labels[-1] == "20260304120000"
    assert len(labels) == 46 + 48 + 25  # every half hour, published 30 minutes after it ends


def test_current_holds_yesterday_and_today_only(mirror: Path) -> None:
    names = [p.name for p in (mirror / FOLDERS["scada"]).iterdir()]
    stamps = sorted(n.split("_")[2] for n in names)
    assert stamps[0] == "202603030005" and stamps[-1] == "202603041200"
    # yesterday 14:35 is deliberately missing; yesterday 11:00 is published twice (newer id).
    assert "202603031435" not in stamps
    assert stamps.count("202603031100") == 2
    assert len(names) == 288 + 144 - 1 + 1
