"""Fixtures for the reader/ingest tests: the real AEMO samples and a NEMWeb-like mirror of them.

The samples in tests/data/core/ are byte-for-byte copies of ../shared/nemweb_samples (provenance
in tests/data/core/MANIFEST.md). Some were published there as bare CSVs or renamed zips; the
mirror re-zips a CSV unchanged under its original NEMWeb name (taken from its C row / zip member).
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "data" / "core"

# sample file -> (mirror folder, NEMWeb file name). Bare CSVs are zipped with the CSV inside.
MIRROR = {
    "dispatch_scada/PUBLIC_DISPATCHSCADA_201904291630_0000000307295427.CSV": (
        "Reports/Current/Dispatch_SCADA", "PUBLIC_DISPATCHSCADA_201904291630_0000000307295427.zip"),
    "dispatch_scada/PUBLIC_DISPATCHSCADA_202109021255_0000000348376188.zip": (
        "Reports/Current/Dispatch_SCADA", "PUBLIC_DISPATCHSCADA_202109021255_0000000348376188.zip"),
    "dispatch_scada/sample_dispatchscada.csv": (
        "Reports/Current/Dispatch_SCADA", "PUBLIC_DISPATCHSCADA_202512270005_0000000495867506.zip"),
    "dispatchis/PUBLIC_DISPATCHIS_201209011345_0000000238795937.ZIP": (
        "Reports/Current/DispatchIS_Reports", "PUBLIC_DISPATCHIS_201209011345_0000000238795937.ZIP"),
    "dispatchis/PUBLIC_DISPATCHIS_201803051000_0000000292583638.zip": (
        "Reports/Current/DispatchIS_Reports", "PUBLIC_DISPATCHIS_201803051000_0000000292583638.zip"),
    "dispatchis/PUBLIC_DISPATCHIS_201905160000_0000000307931755.CSV": (
        "Reports/Current/DispatchIS_Reports", "PUBLIC_DISPATCHIS_201905160000_0000000307931755.zip"),
    "dispatchis/dispatchis_sample.zip": (
        "Reports/Current/DispatchIS_Reports", "PUBLIC_DISPATCHIS_202508201810_0000000477155219.zip"),
    "dispatchis/sample_dispatchis.csv": (
        "Reports/Current/DispatchIS_Reports", "PUBLIC_DISPATCHIS_202512270005_0000000495867501.zip"),
    "rooftop_pv/PUBLIC_ROOFTOP_PV_ACTUAL_MEASUREMENT_20240303200000_0000000412707330.zip": (
        "Reports/Current/ROOFTOP_PV/ACTUAL",
        "PUBLIC_ROOFTOP_PV_ACTUAL_MEASUREMENT_20240303200000_0000000412707330.zip"),
    "rooftop_pv/PUBLIC_ROOFTOP_PV_ACTUAL_MEASUREMENT_20240314.zip": (
        "Reports/Archive/ROOFTOP_PV/ACTUAL", "PUBLIC_ROOFTOP_PV_ACTUAL_MEASUREMENT_20240314.zip"),
    "tradingis/PUBLIC_TRADINGIS_201907041130_0000000309915971.CSV": (
        "Reports/Current/TradingIS_Reports", "PUBLIC_TRADINGIS_201907041130_0000000309915971.zip"),
    "tradingis/PUBLIC_TRADINGIS_202403031335_0000000412683134.zip": (
        "Reports/Current/TradingIS_Reports", "PUBLIC_TRADINGIS_202403031335_0000000412683134.zip"),
    "tradingis/tradingis_sample.csv": (
        "Reports/Current/TradingIS_Reports", "PUBLIC_TRADINGIS_202607102200_0000000526806288.zip"),
}  # fmt: skip


def sample_files() -> list[Path]:
    """Every real AEMO data file in tests/data/core (zip / csv, any case)."""
    return sorted(p for p in CORE.rglob("*") if p.is_file() and p.suffix.lower() in (".zip", ".csv"))


def csv_members(path: Path) -> list[bytes]:
    """The CSV bytes inside a sample (recursing into zips), for independent counting."""
    data = path.read_bytes()
    if not data.startswith(b"PK"):
        return [data]
    out: list[bytes] = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            inner = zf.read(info)
            if info.filename.lower().endswith(".zip"):
                with zipfile.ZipFile(io.BytesIO(inner)) as z2:
                    out += [z2.read(i) for i in z2.infolist() if i.filename.lower().endswith(".csv")]
            elif info.filename.lower().endswith(".csv"):
                out.append(inner)
    return out


def count_d_rows(path: Path) -> dict[tuple[str, str, str], int]:
    """D rows per (report, sub-type, version), counted with the csv module (independent of mms_csv)."""
    counts: dict[tuple[str, str, str], int] = {}
    for data in csv_members(path):
        for row in csv.reader(io.StringIO(data.decode("ascii"))):
            if row and row[0] == "D":
                key = (row[1].upper(), row[2].upper(), row[3])
                counts[key] = counts.get(key, 0) + 1
    return counts


def zip_bytes(member: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, data)
    return buf.getvalue()


def build_mirror(root: Path, include: dict[str, tuple[str, str]] | None = None) -> dict[str, Path]:
    """Lay the samples out like NEMWeb under `root`; returns NEMWeb name -> mirror path."""
    out = {}
    for sample, (folder, name) in (include or MIRROR).items():
        src = CORE / sample
        dest = root / folder / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        data = src.read_bytes()
        if not data.startswith(b"PK"):
            data = zip_bytes(Path(name).with_suffix(".CSV").name, data)
        dest.write_bytes(data)
        out[name] = dest
    for folder in {f for f, _ in (include or MIRROR).values()}:
        (root / folder / "DUPLICATE").mkdir(exist_ok=True)  # every real Current folder has one
    return out


@pytest.fixture()
def mirror(tmp_path: Path) -> Path:
    root = tmp_path / "nemweb"
    build_mirror(root)
    return root
