"""Every view file documents itself, and every view keeps the columns docs/architecture.md fixes."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from aemo_wh.views import sql_files

ROOT = Path(__file__).parents[2]
HEADER_LINES = ("-- Grain:", "-- Keys:", "-- Sources:", "-- Caveats:")


def _contract() -> dict[str, list[str]]:
    """view -> columns, from the Views table of docs/architecture.md."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Views", 1)[1]
    out = {}
    for line in section.splitlines():
        m = re.match(r"\| `(\w+)(\([^)]*\))?`[^|]*\| (.+) \|$", line)
        if m:
            cols = [re.sub(r"\s*\(.*", "", c).strip() for c in m.group(3).split(", ")]
            out[m.group(1) + ("()" if m.group(2) else "")] = [c for c in cols if c]
    return out


def test_sql_files_are_numbered_one_view_file_each() -> None:
    files = sql_files()
    assert len(files) >= 13
    numbers = [p.name[:2] for p in files]
    assert len(set(numbers)) == len(numbers)


@pytest.mark.parametrize("path", sql_files(), ids=lambda p: p.name)
def test_view_file_has_header_and_comment(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    head = text.split("create or replace", 1)[0]
    for line in HEADER_LINES:
        assert line in head, f"{path.name}: header lacks {line!r}"
    created = re.findall(r"create or replace (view|macro) (\w+)", text)
    commented = set(re.findall(r"comment on (?:view|macro table) (\w+)", text))
    public = [name for _, name in created if not name.startswith("_")]
    assert public and set(public) <= commented, f"{path.name}: no COMMENT ON for {set(public) - commented}"


def test_every_contract_view_exists_with_its_columns(con: duckdb.DuckDBPyConnection) -> None:
    contract = _contract()
    assert {"duid_info", "fuel_stack", "price_pivot()", "data_quality"} <= set(contract)
    for view, columns in contract.items():
        if view.endswith("()"):  # a table macro over a window
            rel = con.execute(f"select * from {view[:-2]}(?, ?) limit 0", ["2025-01-01", "2025-01-02"])
        else:
            rel = con.execute(f"select * from {view} limit 0")
        got = [d[0] for d in rel.description]
        assert got[: len(columns)] == columns, f"{view}: {got} does not start with {columns}"


def test_views_carry_their_comments(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("select view_name, comment from duckdb_views() where not internal").fetchall()
    comments = dict(rows)
    for view in ("fuel_stack", "region_price", "energy_balance", "rooftop_5min"):
        assert "Grain:" in (comments.get(view) or "")


def test_every_view_binds_on_an_empty_warehouse(tmp_path: Path) -> None:
    """A fresh install (no files yet): every view answers, empty; the registry is already there."""
    from aemo_wh import views

    con = views.connect(tmp_path / "warehouse")
    for view in _contract():
        if view.endswith("()"):
            n = con.execute(f"select count(*) from {view[:-2]}(?, ?)", ["2025-01-01", "2025-01-02"]).fetchall()
        else:
            n = con.execute(f"select count(*) from {view}").fetchall()
        if view in ("duid_info", "fuel_classes", "market_price_settings"):  # shipped reference rows
            assert n[0][0] > 0
        elif view != "data_quality":
            assert n == [(0,)], view
    assert views.refresh(con) is False
    con.close()
