"""Email: SMTP delivery, the persisted outbox, alert rules and the daily HTML report.

The package is called `mail` so that it never shadows the standard library's `email`.
Entry points for other parts: `run_alert_rules(settings)` (after each ingest, from the
scheduler) and `flush_outbox(settings)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aemo_wh.mail.alerts import AlertSummary, run_alert_rules
    from aemo_wh.mail.outbox import flush_outbox

__all__ = ["AlertSummary", "flush_outbox", "run_alert_rules"]


def __getattr__(name: str) -> Any:
    # Lazy, so `import aemo_wh.mail.smtp` does not pull in duckdb and matplotlib.
    if name in ("AlertSummary", "run_alert_rules"):
        from aemo_wh.mail import alerts

        return getattr(alerts, name)
    if name == "flush_outbox":
        from aemo_wh.mail import outbox

        return outbox.flush_outbox
    raise AttributeError(name)
