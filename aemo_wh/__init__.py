"""aemo-wh ("NEM Analysis"): an analytical warehouse and dashboard for the NEM."""

__version__ = "0.1.0"
