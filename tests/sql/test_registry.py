"""DUID registry: the real March-2026 workbook, the fuel map, and the overrides CSV."""

from __future__ import annotations

from pathlib import Path

import pytest

from aemo_wh.config import Settings
from aemo_wh.errors import AemoWhError
from aemo_wh.registry import FUEL_CLASSES, UNIT_FUEL_CLASSES, classify, load_duid_info
from aemo_wh.registry.overrides import OverridesError, read_overrides
from aemo_wh.registry.workbook import DUID_INFO_COLUMNS, read_workbook


def test_shipped_workbook_columns_and_values() -> None:
    df = load_duid_info()
    assert tuple(df.columns) == DUID_INFO_COLUMNS
    assert df["duid"].n_unique() == df.height > 500
    assert set(df["region_id"]) == {"NSW1", "QLD1", "SA1", "TAS1", "VIC1"}
    assert set(df["dispatch_type"]) <= {"generator", "load", "bidirectional"}
    assert set(df["fuel_class"]) <= set(UNIT_FUEL_CLASSES)
    bayswater = df.filter(df["duid"] == "BW01").row(0, named=True)
    assert bayswater["fuel_class"] == "Coal" and bayswater["region_id"] == "NSW1"
    assert bayswater["registered_capacity_mw"] == pytest.approx(720, abs=60)
    assert df.filter(df["duid"] == "HPR1")["fuel_class"].item() == "Battery"
    assert df.filter(df["duid"] == "HPR1")["dispatch_type"].item() == "bidirectional"
    assert df.filter(df["duid"] == "SNOWYP")["fuel_class"].item() == "Pumps"
    assert df.filter(df["duid"] == "PUMP1")["fuel_class"].item() == "Pumps"


def test_duplicate_duid_rows_merge_into_one() -> None:
    df = load_duid_info()
    assert df.filter(df["duid"] == "ADPBA1").height == 1


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (("Generating Unit", "Fossil", "Natural Gas", "Combined Cycle Gas Turbine (CCGT)"), "Gas"),
        (("Generating Unit", "Fossil", "Natrual Gas/ Diesel", "OCGT"), "Gas"),
        (("Generating Unit", "Fossil", "Kerosene", "Open Cycle Gas turbines (OCGT)"), "Distillate"),
        (("Generating Unit", "Fossil", "Brown Coal", "Steam Sub-Critical"), "Coal"),
        (("Generating Unit", "Solar", "solar ", "Photovoltalic Tracking Flat Panel"), "Solar"),
        (("Generating Unit", "Renewable/ Biomass / Waste", "Bagasse", "Steam Sub-Critical"), "Bioenergy"),
        (("Generating Unit", "Hydro", "Water", "Pump Storage"), "Hydro"),
        (("Load", "-", "-", "-"), "Pumps"),
        (("Load", "Battery Storage", "Grid", "Battery"), "Battery Charging"),
        (("Bidirectional Unit", "Battery Storage", "Grid", "Battery and Inverter"), "Battery"),
        (("Generating Unit", "Nuclear", "Uranium", "Fission"), "Other"),
    ],
)
def test_fuel_map_rules(row: tuple[str, str, str, str], expected: str) -> None:
    assert classify(*row) == expected


def test_fuel_classes_list_matches_architecture() -> None:
    text = (Path(__file__).parents[2] / "docs" / "architecture.md").read_text()
    for c in FUEL_CLASSES:
        assert f"`{c}`" in text


def test_overrides_add_and_correct(tmp_path: Path) -> None:
    (tmp_path / "duid_overrides.csv").write_text(
        "# my corrections\nduid,region_id,fuel_class,station_name,registered_capacity_mw\n"
        "NEWDUID1,SA1,Wind,New Wind Farm,99\n"
        "BW01,,Gas,,\n",
        encoding="utf-8",
    )
    df = load_duid_info(Settings(root=tmp_path))
    new = df.filter(df["duid"] == "NEWDUID1").row(0, named=True)
    assert new["fuel_class"] == "Wind" and new["region_id"] == "SA1" and new["registered_capacity_mw"] == 99
    bw = df.filter(df["duid"] == "BW01").row(0, named=True)
    assert bw["fuel_class"] == "Gas" and bw["station_name"] == "Bayswater Power Station"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("duid,fuel_class\nX1,Nuclear\n", "not a fuel class"),
        ("duid,region_id\nX1,WA1\n", "not a region"),
        ("duid,registered_capacity_mw\nX1,lots\n", "not a number"),
        ("name,region_id\nX1,SA1\n", "no 'duid' column"),
        ("duid,colour\nX1,red\n", "unknown column"),
    ],
)
def test_bad_overrides_name_file_and_row(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "o.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OverridesError, match=needle) as info:
        read_overrides(path)
    assert str(path) in info.value.msg


def test_not_a_workbook_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "list.xlsx"
    bad.write_bytes(b"<html>403 Forbidden</html>")
    with pytest.raises(AemoWhError, match="cannot read registration workbook"):
        read_workbook(bad)


def test_the_python_demand_class_is_the_sql_one(con) -> None:  # noqa: ANN001
    """aemo_wh/registry/demand_class.py (the demo simulator's) and duid_info.demand_class (the views')
    say the same for every unit of the registry."""
    from aemo_wh.registry.demand_class import demand_class

    rows = con.execute(
        "select duid, classification, dispatch_type, registered_capacity_mw, demand_class from duid_info"
    ).fetchall()
    assert len(rows) > 500
    assert {r[4] for r in rows} == {"scheduled", "non-scheduled"}
    assert [r[0] for r in rows if demand_class(r[1], r[2], r[3]) != r[4]] == []
    by_class = {r[1] for r in rows if r[1]}
    assert {"Scheduled", "Semi-Scheduled", "Non-Scheduled", "Non-Scheduled*"} <= by_class
