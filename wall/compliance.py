"""Reporting compliance: which units reported on time, late, or not yet, per regime and period."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from wall.config import Regime
from wall.locale import TZ

__all__ = ["due_date", "compliance"]


def due_date(regime: Regime, period: str) -> date:
    """Return the day a report for `period` is due: `due_day` of the month after it ends."""
    year = int(period[:4])
    if "-Q" in period:
        last_month = int(period[-1]) * 3
    elif "-S" in period:
        last_month = int(period[-1]) * 6
    elif len(period) == 4:
        last_month = 12
    else:
        last_month = int(period[5:7])
    year, month = (year + 1, 1) if last_month == 12 else (year, last_month + 1)
    return date(year, month, regime.due_day)


def compliance(regime: Regime, period: str, submitted: dict[str, dict[str, Any]],
               now: datetime) -> dict[str, str]:
    """Return each reporting unit's state: on_time, late, missing or pending (not yet due)."""
    due = due_date(regime, period)
    today = now.astimezone(TZ).date()
    out = {}
    for unit in regime.units:
        info = submitted.get(unit)
        if info is None:
            out[unit] = "missing" if today > due else "pending"
        else:
            received = datetime.fromisoformat(info["received_at"]).astimezone(TZ).date()
            out[unit] = "on_time" if received <= due else "late"
    return out
