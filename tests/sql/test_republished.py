"""Re-published files (same interval, later LASTCHANGED) never give a view duplicate keys."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import duckdb
import pytest

from aemo_wh import views
from aemo_wh.views import sql_files

from .conftest import DISPATCHIS_ZIP, SAMPLE_FILES, SCADA_ZIP, ingest_into, zip_text

T0 = dt.datetime(2025, 12, 27, 0, 5)


def _keys_of_views() -> list[tuple[str, list[str]]]:
    out = []
    for path in sql_files():
        text = path.read_text()
        m = re.search(r"^-- Keys:\s+(.+)$", text, re.M)
        name = text.splitlines()[0].removeprefix("-- ").strip()
        if m and f"create or replace view {name} " in text:
            keys = [k.strip() for k in m.group(1).split(",")]
            out.append((name, keys))
    return out


def _republish(src: Path, dest_dir: Path, new_seq: str, edit: dict[str, str]) -> Path:
    """A copy of an AEMO zip under a later sequence id with some D rows changed (a re-publication)."""
    text = zip_text(src)
    for old, new in edit.items():
        assert old in text, old
        text = text.replace(old, new)
    name = re.sub(r"_\d{16}\.zip$", f"_{new_seq}.zip", src.name)
    dest = dest_dir / name
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name.replace(".zip", ".CSV"), text)
    return dest


@pytest.fixture(scope="module")
def republished(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    tmp = tmp_path_factory.mktemp("republish")
    text = zip_text(SCADA_ZIP)
    line = next(ln for ln in text.splitlines() if ",BW01," in ln)
    new_line = re.sub(r",BW01,[^,]+,\"[^\"]+\"", ',BW01,123.45,"2025/12/27 00:09:00"', line)
    scada2 = _republish(SCADA_ZIP, tmp, "0000000495867599", {line: new_line})
    text = zip_text(DISPATCHIS_ZIP)
    price_line = next(ln for ln in text.splitlines() if ln.startswith("D,DISPATCH,PRICE,") and ",NSW1," in ln)
    rrp = price_line.split(",")[9]
    new_price = price_line.replace("," + rrp + ",", ",99.5,", 1)
    dis2 = _republish(DISPATCHIS_ZIP, tmp, "0000000495867598", {price_line: new_price})
    settings = ingest_into(tmp, [*SAMPLE_FILES, scada2, dis2])
    con = views.connect(settings)
    yield con
    con.close()


@pytest.mark.parametrize(("view", "keys"), _keys_of_views(), ids=lambda v: v if isinstance(v, str) else "")
def test_view_keys_are_unique(republished: duckdb.DuckDBPyConnection, view: str, keys: list[str]) -> None:
    cols = ", ".join(keys)
    dupes = republished.execute(
        f"select {cols}, count(*) from {view} group by all having count(*) > 1 limit 5"
    ).fetchall()
    assert dupes == []
    assert republished.execute(f"select count(*) from {view}").fetchall()[0][0] > 0


def test_republished_values_win(republished: duckdb.DuckDBPyConnection) -> None:
    assert republished.execute(
        "select mw from unit_generation where duid = 'BW01' and settlementdate = ?", [T0]
    ).fetchall() == [(123.45,)]
    # the re-published DispatchIS file is the later one and wins the price
    rrp = republished.execute("select rrp from region_price where region_id = 'NSW1'").fetchall()
    assert rrp == [(99.5,)]


def test_price_pivot_unique_per_duid_and_fuel(republished: duckdb.DuckDBPyConnection) -> None:
    rows = republished.execute(
        "select duid, fuel_class, count(*) from price_pivot(?, ?) group by all having count(*) > 1",
        [T0 - dt.timedelta(minutes=5), T0],
    ).fetchall()
    assert rows == []
