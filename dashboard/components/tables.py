"""Tabulator factory (read-only, money/number formatters, titles) and the "Download CSV" button.

The CSV button writes the whole frame the table shows (client-side download of a paginated
table would only hold the current page).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pandas as pd
import panel as pn
import panel_material_ui as pmui
from bokeh.model import Model
from bokeh.models.widgets.tables import NumberFormatter

NO_VALUE = "—"  # how every table shows "no value" (one sign everywhere, issue 19)


def money(decimals: int = 0) -> NumberFormatter:
    return NumberFormatter(format="$0,0" + ("." + "0" * decimals if decimals else ""), text_align="right",
                           nan_format=NO_VALUE, null_format=NO_VALUE)  # fmt: skip


def number(decimals: int = 0) -> NumberFormatter:
    return NumberFormatter(format="0,0" + ("." + "0" * decimals if decimals else ""), text_align="right",
                           nan_format=NO_VALUE, null_format=NO_VALUE)  # fmt: skip


def percent(decimals: int = 1) -> NumberFormatter:
    """A percentage already in 0..100 (the column title carries the % sign)."""
    return number(decimals)


def empty_frame(**columns: str) -> pd.DataFrame:
    """An empty frame with real dtypes (Tabulator picks default formatters from the first frame's dtypes)."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def make_table(
    df: pd.DataFrame,
    *,
    formatters: dict | None = None,
    titles: dict[str, str] | None = None,
    header_filters: dict | bool | None = None,
    page_size: int | None = 20,
    **params,
) -> pn.widgets.Tabulator:
    """A read-only, sortable Tabulator; pagination only when the frame is longer than a page.

    Bokeh formatter models are cloned: Tabulator registers a callback on each one, so a formatter
    shared by module-level format dicts held every table of every session ever served (and put one
    model in many documents).
    """
    formatters = {k: v.clone() if isinstance(v, Model) else v for k, v in (formatters or {}).items()}
    options = dict(
        disabled=True,
        selectable=False,
        show_index=False,
        layout="fit_data_table",
        sizing_mode="stretch_width",
        formatters=formatters,
        titles=titles or {},
        header_filters=header_filters or False,
    )
    if page_size and len(df) > page_size:
        options.update(pagination="local", page_size=page_size)
    options.update(params)
    return pn.widgets.Tabulator(df, **options)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


CSV_DECIMALS_DEFAULT = 6  # MW, MWh, GWh: AEMO publishes SCADA to 5 decimals; this only strips float noise
CSV_DECIMALS = (("pct", 2), ("rrp", 2), ("price", 2), ("usd", 6))  # % and $/MWh to the cent


def csv_decimals(column: str) -> int:
    """Decimals a CSV column keeps: % and prices to 2, everything else to 6 (float noise such as
    3688.6306700000005 is gone, AEMO's own precision is kept)."""
    name = column.lower()
    return next((d for key, d in CSV_DECIMALS if key in name), CSV_DECIMALS_DEFAULT)


def csv_text(df: pd.DataFrame) -> str:
    """The CSV of `df` with float columns rounded by `csv_decimals`."""
    floats = df.select_dtypes(include="floating").columns
    return df.round({c: csv_decimals(str(c)) for c in floats}).to_csv(index=False)


def csv_button(frame: Callable[[], pd.DataFrame], filename: str, label: str = "Download CSV") -> pmui.FileDownload:
    """A "Download CSV" button that serialises `frame()` (rounded by `csv_text`) when clicked."""

    def _callback() -> io.StringIO:
        return io.StringIO(csv_text(frame()))

    return pmui.FileDownload(
        callback=_callback, filename=filename, label=label,
        icon="download", variant="outlined", size="small", width=170,
    )
