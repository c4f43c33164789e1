"""A warehouse built from real AEMO sample files through the real ingest, shared by the view tests.

Files (tests/sql/data, copied from shared/nemweb_samples; the 2025-12-27 CSVs re-zipped under
their original AEMO names, as NEMWeb publishes them):
- PUBLIC_DISPATCHSCADA_202512270005_*.zip and PUBLIC_DISPATCHIS_202512270005_*.zip: the paired
  real interval 2025-12-27 00:05 (493 DUIDs; prices, regionsum, interconnectors);
- PUBLIC_ROOFTOP_PV_ACTUAL_MEASUREMENT_20240314.zip: 7 days of half-hourly MEASUREMENT;
- PUBLIC_DVD_ROOFTOP_PV_ACTUAL_201912010000.zip: Dec 2019, MEASUREMENT and SATELLITE rows for the
  same half hours.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from aemo_wh import views
from aemo_wh.config import Settings
from aemo_wh.ingest.run import ingest_files

DATA = Path(__file__).parent / "data"
SCADA_ZIP = DATA / "PUBLIC_DISPATCHSCADA_202512270005_0000000495867506.zip"
DISPATCHIS_ZIP = DATA / "PUBLIC_DISPATCHIS_202512270005_0000000495867501.zip"
SAMPLE_FILES = sorted(DATA.glob("*.zip"))


def zip_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(z.namelist()[0]).decode()


def d_rows(path: Path, report: str, subtype: str) -> list[dict[str, str]]:
    """The D rows of one table of an AEMO CSV (bare or inside a zip), as dicts by lower-cased column name."""
    text = zip_text(path) if path.suffix.lower() == ".zip" else path.read_text()
    out, header = [], None
    for row in csv.reader(io.StringIO(text)):
        if row[0] == "I" and row[1] == report and row[2] == subtype:
            header = [c.lower() for c in row]
        elif row[0] == "I":
            header = None
        elif row[0] == "D" and header is not None:
            out.append(dict(zip(header, row, strict=False)))
    return out


def ingest_into(root: Path, files: list[Path]) -> Settings:
    settings = Settings(root=root).with_overrides(paths={"warehouse": root / "warehouse", "logs": root / "logs"})
    report = ingest_files(files, settings)
    assert not report.quarantined, report.quarantined
    return settings


@pytest.fixture(scope="session")
def sample_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return ingest_into(tmp_path_factory.mktemp("sqlwh"), SAMPLE_FILES)


@pytest.fixture()
def con(sample_settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    c = views.connect(sample_settings)
    yield c
    c.close()
