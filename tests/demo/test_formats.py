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
from aemo_wh.demo.writers import trading_period
from aemo_wh.nemweb.mms_csv import read_file

DATA = Path(__file__).resolve().parent.parent / "data" / "demo"
END = dt.datetime(2026, 3, 4, 12, 0)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mirror")
    build_mirror(root, days=2, seed=11, end=END)
    return root


def _csv_of(zip_file: Path | io.BytesIO) -> tuple[str, bytes]:
    with zipfile.ZipFile(zip_file) as zf:
        (name,) = zf.namelist()
        return name, zf.read(name)


REAL_SATELLITE_WEEK = DATA / "PUBLIC_ROOFTOP_PV_ACTUAL_SATELLITE_20230223.zip"  # Reports/Archive bundle
REAL_TRADINGIS = DATA / "PUBLIC_TRADINGIS_202403031335_0000000412683134.zip"


def _real(kind: str) -> bytes:
    if kind == "rooftop":
        return _csv_of(DATA / "PUBLIC_ROOFTOP_PV_ACTUAL_MEASUREMENT_20240303200000_0000000412707330.zip")[1]
    if kind == "satellite":  # a daytime half hour of the real weekly bundle (each member a Current zip)
        with zipfile.ZipFile(REAL_SATELLITE_WEEK) as zf:
            return _csv_of(io.BytesIO(zf.read(zf.namelist()[20])))[1]
    if kind == "tradingis":
        return _csv_of(REAL_TRADINGIS)[1]
    return (DATA / {"scada": "sample_dispatchscada.csv", "dispatchis": "sample_dispatchis.csv"}[kind]).read_bytes()


def _first(mirror: Path, kind: str) -> Path:
    return next(p for p in sorted((mirror / FOLDERS[kind]).iterdir()) if re.fullmatch(NAMES[kind][0], p.name))


FOLDERS = {
    "scada": "Reports/Current/Dispatch_SCADA",
    "dispatchis": "Reports/Current/DispatchIS_Reports",
    "tradingis": "Reports/Current/TradingIS_Reports",
    "rooftop": "Reports/Current/ROOFTOP_PV/ACTUAL",
    "satellite": "Reports/Current/ROOFTOP_PV/ACTUAL",
}
NAMES = {
    "scada": (r"PUBLIC_DISPATCHSCADA_\d{12}_\d{16}\.zip", r"PUBLIC_DISPATCHSCADA_\d{12}_\d{16}\.CSV"),
    "dispatchis": (r"PUBLIC_DISPATCHIS_\d{12}_\d{16}\.zip", r"PUBLIC_DISPATCHIS_\d{12}_\d{16}\.CSV"),
    "tradingis": (r"PUBLIC_TRADINGIS_\d{12}_\d{16}\.zip", r"PUBLIC_TRADINGIS_\d{12}_\d{16}\.CSV"),
    "rooftop": (
        r"PUBLIC_ROOFTOP_PV_ACTUAL_MEASUREMENT_\d{14}_\d{16}\.zip",
        r"PUBLIC_ROOFTOP_PV_ACTUAL_MEASUREMENT_\d{14}_\d{16}\.csv",
    ),
    "satellite": (
        r"PUBLIC_ROOFTOP_PV_ACTUAL_SATELLITE_\d{14}_\d{16}\.zip",
        r"PUBLIC_ROOFTOP_PV_ACTUAL_SATELLITE_\d{14}_\d{16}\.csv",
    ),
}
KINDS = list(FOLDERS)


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


@pytest.mark.parametrize("kind", KINDS)
def test_structure_matches_the_real_file(mirror: Path, kind: str) -> None:
    zpath = _first(mirror, kind)
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
    assert int(ours_c[7]) - int(ours_c[9]) == int(real_c[7]) - int(real_c[9])  # the two ids' relation
    # Every I row we write is exactly a real I row (report, sub-type, version, columns, order), and
    # the tables come in the real file's order (ours may leave out a table that has no rows).
    ours_i = [r for r in rows if r[0] == "I"]
    real_i = {tuple(r[1:3]): r for r in real_rows if r[0] == "I"}
    assert ours_i and all(real_i[tuple(r[1:3])] == r for r in ours_i)
    real_order = [k for k in real_i]
    ours_order = [tuple(r[1:3]) for r in ours_i]
    assert ours_order == [k for k in real_order if k in ours_order]
    # D rows as wide as their I row; the same columns quoted as in the real file.
    width = {tuple(r[1:3]): len(r) for r in ours_i}
    assert all(len(r) == width[tuple(r[1:3])] for r in rows if r[0] == "D")
    ours_q, real_q = _quoted_columns(ours), _quoted_columns(real)
    for key, quoted in ours_q.items():
        assert quoted == real_q[key], key


@pytest.mark.parametrize("kind", KINDS)
def test_parser_reads_simulated_and_real_alike(mirror: Path, kind: str, tmp_path: Path) -> None:
    ours = read_file(_first(mirror, kind))
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
        # cut by the time in the file name, as AEMO: 00:05 .. 23:55 (the mirror starts at 03-02
        # 00:00, so there is no 00:00 file; the 03-03 00:00 file opens 03-03, see below)
        stamps = sorted(n.split("_")[2] for n in names)
        assert len(names) == 287 and stamps[0] == "202603020005" and stamps[-1] == "202603022355"
        assert all(re.fullmatch(NAMES["scada"][0], n) for n in names)
        first = zipfile.ZipFile(io.BytesIO(zf.read(names[0])))
        assert re.fullmatch(NAMES["scada"][1], first.namelist()[0])
    parsed = read_file(bundle)
    assert parsed.tables[("DISPATCH", "UNIT_SCADA", "1")].num_rows > 288 * 400
    weekly = mirror / "Reports/Archive/ROOFTOP_PV/ACTUAL"
    assert not weekly.exists() or not list(weekly.iterdir())  # week from Thu 02-26 ends 03-04: still open
    for kind in ("rooftop", "satellite"):  # both streams: the same half hours
        names = [p.name for p in (mirror / FOLDERS[kind]).iterdir() if re.fullmatch(NAMES[kind][0], p.name)]
        labels = sorted(n.split("_")[5] for n in names)
        assert labels[0] == "20260302010000" and labels[-1] == "20260304120000"
        assert len(labels) == len(set(labels)) == 46 + 48 + 25  # every half hour, published 30 min after it ends
    # TradingIS: weekly bundles (Sunday..Saturday); the week from Sun 03-01 is open, so all in Current.
    assert not (mirror / "Reports/Archive/TradingIS_Reports").exists()
    stamps = sorted(p.name.split("_")[2] for p in (mirror / FOLDERS["tradingis"]).iterdir())
    assert stamps[0] == "202603020005" and stamps[-1] == "202603041200" and len(stamps) == 288 * 2 + 144 - 1


def test_current_holds_yesterday_and_today_only(mirror: Path) -> None:
    names = [p.name for p in (mirror / FOLDERS["scada"]).iterdir()]
    stamps = sorted(n.split("_")[2] for n in names)
    assert stamps[0] == "202603030000" and stamps[-1] == "202603041200"  # from yesterday's 00:00 file
    # yesterday 14:35 is deliberately missing; yesterday 11:00 is published twice (newer id).
    assert "202603031435" not in stamps
    assert stamps.count("202603031100") == 2
    assert len(names) == 288 + 144 - 1 + 1 + 1


@pytest.mark.parametrize(
    ("real_file", "interval"),
    [(REAL_TRADINGIS, dt.datetime(2024, 3, 3, 13, 35)), (DATA / "tradingis_sample.csv", dt.datetime(2026, 7, 10, 22, 0))],
)
def test_tradingis_rows_are_laid_out_as_aemo_writes_them(mirror: Path, real_file: Path, interval: dt.datetime) -> None:
    """Post-5MS TradingIS: one file per 5-minute interval; every row's SETTLEMENTDATE is the time in
    the file name (the interval end), PERIODID counts 5-minute periods from midnight (00:05 = 1);
    interconnector rows then region rows, in AEMO's order."""
    real = _rows(_csv_of(real_file)[1] if real_file.suffix == ".zip" else real_file.read_bytes())
    path = _first(mirror, "tradingis")
    ours = _rows(_csv_of(path)[1])
    ours_interval = dt.datetime.strptime(path.name.split("_")[2], "%Y%m%d%H%M")

    def layout(rows: list[list[str]]) -> list[tuple[str, str]]:
        return [(r[2], r[6]) for r in rows if r[0] == "D"]  # (table, INTERCONNECTORID or REGIONID)

    assert layout(ours) == layout(real)
    for rows, ts in ((real, interval), (ours, ours_interval)):
        d_rows = [r for r in rows if r[0] == "D"]
        assert {r[4] for r in d_rows} == {f"{ts:%Y/%m/%d %H:%M:%S}"}
        assert {r[7] for r in d_rows} == {str(trading_period(ts))}
        created = dt.datetime.strptime(f"{rows[0][5]} {rows[0][6]}", "%Y/%m/%d %H:%M:%S")
        assert ts - dt.timedelta(minutes=5) < created < ts  # published as the interval runs, like DispatchIS
    assert trading_period(interval) == {2024: 163, 2026: 264}[interval.year]  # the real files' PERIODIDs


def test_trading_periods_cover_the_day_and_prices_are_the_dispatch_prices(mirror: Path) -> None:
    """A day of TradingIS files holds periods 1..288 once each (less the deliberately missing
    interval), and each file's RRP is, to the character, the same interval's DispatchIS RRP."""
    day = [p for p in (mirror / FOLDERS["tradingis"]).iterdir() if p.name.split("_")[2][:8] == "20260303"]
    periods = [next(r[7] for r in _rows(_csv_of(p)[1]) if r[0] == "D") for p in day]
    # files named 00:00 .. 23:55: the 00:00 one is period 288 (of the day before), 00:05 period 1
    assert trading_period(dt.datetime(2026, 3, 3, 0, 0)) == 288 and trading_period(dt.datetime(2026, 3, 3, 0, 5)) == 1
    expected = {str(k) for k in range(1, 289)} - {str(trading_period(dt.datetime(2026, 3, 3, 14, 35)))}
    assert len(periods) == 287 and sorted(periods, key=int) == sorted(expected, key=int)
    dispatch = {p.name.split("_")[2]: p for p in (mirror / FOLDERS["dispatchis"]).iterdir()}
    checked = [p for p in sorted(day) if p.name.split("_")[2] in dispatch][::37]  # (00:00 is archived)
    assert len(checked) > 5
    for p in checked:
        trading_rrp = {r[6]: r[8] for r in _rows(_csv_of(p)[1]) if r[:3] == ["D", "TRADING", "PRICE"]}
        d_rows = _rows(_csv_of(dispatch[p.name.split("_")[2]])[1])
        dispatch_rrp = {r[6]: r[9] for r in d_rows if r[:3] == ["D", "DISPATCH", "PRICE"] and r[8] == "0"}
        assert trading_rrp == dispatch_rrp and len(trading_rrp) == 5


def test_satellite_is_close_to_but_not_the_measurement(mirror: Path) -> None:
    """Both rooftop streams cover the same half hours; SATELLITE is within a few per cent of
    MEASUREMENT (zero at night), rarely equal in daylight, with AEMO's QI 0.6 and sub-regions
    summing to their parent as in the real SATELLITE files."""
    folder = mirror / FOLDERS["rooftop"]
    by_kind: dict[str, dict[tuple[str, str], tuple[float, str]]] = {"MEASUREMENT": {}, "SATELLITE": {}}
    for p in folder.iterdir():
        for r in _rows(_csv_of(p)[1]):
            if r[0] == "D":
                by_kind[r[8]][(r[4], r[5])] = (float(r[6]), r[7])
    m, s = by_kind["MEASUREMENT"], by_kind["SATELLITE"]
    assert m.keys() == s.keys() and len(m) == 119 * 10
    assert {qi for _, qi in s.values()} == {"0.6"}
    day = [k for k in m if m[k][0] > 50]
    assert len(day) > 300
    assert all(abs(s[k][0] / m[k][0] - 1) < 0.06 for k in day)
    assert sum(s[k][0] != m[k][0] for k in day) > 0.95 * len(day)
    assert all(s[k][0] == 0 for k in m if m[k][0] == 0)
    for t in {t for t, _ in s}:
        assert abs(sum(s[(t, r)][0] for r in ("QLDC", "QLDN", "QLDS")) - s[(t, "QLD1")][0]) < 0.002
