"""Shared UI pieces: time-window presets, Tabulator factory with formatters, CSV download."""
