"""`aemo-wh sql`: the init script rebuilds every view in the DuckDB CLI (1.5.x from PyPI)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from aemo_wh import views
from aemo_wh.config import Settings
from aemo_wh.ops.shell import cmd_sql, duckdb_cli, init_script

VIEWS = [
    "duid_info", "unit_generation", "region_price", "rooftop_5min", "interconnector_flow", "region_net_flow",
    "fuel_stack", "utilisation", "unit_revenue", "energy_balance", "unknown_duids", "data_quality", "balance_quality",
]


@pytest.fixture(scope="module")
def cli_counts(sample_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """Row counts of every view, as the DuckDB CLI sees them through the init script."""
    cli = duckdb_cli()
    assert cli is not None, "duckdb-cli (a project dependency) is not installed"
    con = views.connect(sample_settings)
    work = tmp_path_factory.mktemp("shell")
    (work / "init.sql").write_text(init_script(con, work))
    con.close()
    query = " union all ".join(f"select '{v}', count(*) from {v}" for v in VIEWS)
    query += " union all select 'price_pivot', count(*) from price_pivot('2025-12-27 00:00', '2025-12-27 00:05')"
    out = subprocess.run(
        [cli, "-init", str(work / "init.sql"), "-csv", "-noheader", "-c", query],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert out.returncode == 0, out.stderr
    rows = [ln.split(",") for ln in out.stdout.splitlines() if ln.count(",") == 1]
    return {name: int(n) for name, n in rows}


def test_cli_version_is_the_older_pypi_build() -> None:
    out = subprocess.run([duckdb_cli() or "duckdb", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("v1.")


@pytest.mark.parametrize("view", [*VIEWS, "price_pivot"])
def test_every_view_works_in_the_cli(cli_counts: dict[str, int], sample_settings: Settings, view: str) -> None:
    con = views.connect(sample_settings)
    if view == "price_pivot":
        expected = con.execute("select count(*) from price_pivot('2025-12-27 00:00', '2025-12-27 00:05')").fetchall()
    else:
        expected = con.execute(f"select count(*) from {view}").fetchall()
    con.close()
    assert cli_counts[view] == expected[0][0] > 0


def test_sql_command_runs_one_statement(sample_settings: Settings, capfd: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(
        command="select round(sum(mw)) as nem_coal from fuel_stack where region_id = 'NEM' and fuel_class = 'Coal'",
        print_init=False, python=False,
    )
    assert cmd_sql(args, sample_settings) == 0
    assert "10675" in capfd.readouterr().out


def test_print_init_shows_the_script(sample_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert cmd_sql(argparse.Namespace(command=None, print_init=True, python=False), sample_settings) == 0
    out = capsys.readouterr().out
    assert "set variable unit_scada_files = [" in out and "create or replace view fuel_stack" in out


def test_python_repl_fallback(sample_settings: Settings, tmp_path: Path) -> None:
    """The REPL reads statements up to ';' from stdin and prints each result."""
    script = (
        "import sys; from aemo_wh import views; from aemo_wh.ops.shell import python_repl; "
        "from aemo_wh.config import Settings; from pathlib import Path; "
        f"s = Settings(root=Path({str(sample_settings.root)!r})).with_overrides("
        f"paths={{'warehouse': Path({str(sample_settings.warehouse_dir)!r})}}); "
        "sys.exit(python_repl(views.connect(s)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], input="select count(*) as n\nfrom region_price;\nselect nope;\n",
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert out.returncode == 0
    lines = [ln.strip() for ln in out.stdout.splitlines()]
    assert lines[lines.index("n") + 1] == "5"  # five regions priced at 2025-12-27 00:05
    assert "Error" in out.stderr and "nope" in out.stderr  # a bad statement is reported, the REPL goes on
