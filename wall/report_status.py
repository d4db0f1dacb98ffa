"""Report status as Observations: a submission becomes a value the compliance cells subscribe to.

One series per reporting unit (area), regime and period (dims `regime`, `period`), indicator
`REPORT_STATUS`: 2 on time, 1 late (0, missing, is never written: it follows from the clock).
Which period is due, and whether a report came in time, is judged on the wall's clock: the
replay's while a replay runs (the month it has reached has just ended), the real one otherwise.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from wall.compliance import compliance
from wall.config import Regime, WallSettings
from wall.locale import TZ
from wall.observation import Observation, parse_observation

__all__ = ["INDICATOR", "STATE_VALUE", "clock", "dims", "due_period", "judge", "observation",
           "record", "replay_month"]

INDICATOR = "REPORT_STATUS"
STATE_VALUE = {"on_time": 2.0, "late": 1.0}
REPLAY_FRESH = timedelta(minutes=10)  # a replay that stopped saying where it is: not the clock


def replay_month(store: Any) -> str:
    """Return the month a running replay has reached (its latest REPLAY_ASOF), or ""."""
    try:
        marks = store.latest("REPLAY_ASOF", "VN", {})
    except Exception:  # Redis down: judged on the real clock
        return ""
    if not marks:
        return ""
    at = datetime.fromisoformat(marks[0].received_at.replace("Z", "+00:00"))
    return marks[0].period if datetime.now(UTC) - at < REPLAY_FRESH else ""


def clock(replay_month: str = "", now: datetime | None = None) -> datetime:
    """Return the wall's now: the end of the month a replay has reached, else the real time."""
    if replay_month:
        year, month = int(replay_month[:4]), int(replay_month[5:7])
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return datetime(year, month, 1, tzinfo=TZ)
    return now or datetime.now(UTC)


def due_period(periodicity: str, now: datetime) -> str:
    """Return the latest period whose report may already be due at `now`."""
    local = now.astimezone(TZ)
    year, month = (local.year - 1, 12) if local.month == 1 else (local.year, local.month - 1)
    if periodicity == "M":
        return f"{year}-{month:02d}"
    if periodicity == "Q":  # the last quarter that has ended
        q = (local.month - 1) // 3
        return f"{local.year}-Q{q}" if q else f"{local.year - 1}-Q4"
    if periodicity == "S":
        return f"{local.year}-S1" if local.month > 6 else f"{local.year - 1}-S2"
    return str(local.year - 1)


def dims(regime: str, period: str) -> dict[str, str]:
    """Return the dims of a unit's status series for one regime and period."""
    return {"regime": regime, "period": period}


def judge(regime: Regime, period: str, submitted: dict[str, dict[str, Any]], now: datetime,
          replaying: bool = False) -> dict[str, str]:
    """Each unit's state at `now`; while replaying, a report counts as received on the replay's
    clock (it cannot have come in before the replay reached it, nor years after its due date)."""
    if replaying:
        at = now.isoformat()
        submitted = {u: {**info, "received_at": at} for u, info in submitted.items()}
    return compliance(regime, period, submitted, now)


def observation(regime: str, unit: str, period: str, state: str, at: str) -> Observation:
    """Return the status observation of one unit's report (state on_time or late)."""
    return parse_observation({
        "indicator": INDICATOR, "area": unit, "period": period, "value": STATE_VALUE[state],
        "unit": "status code", "source": "report-submissions", "observed_at": at,
        "dims": dims(regime, period)})


def record(store: Any, settings: WallSettings, receipt: Any, month: str | None = None) -> None:
    """Record a submission and push its status to the screens (call instead of
    `store.record_submission`); `month`: the replay's (default: read from the store). A regime
    or unit the config does not know is only recorded."""
    store.record_submission(receipt)
    month = replay_month(store) if month is None else month
    regime = settings.regimes.get(receipt.regime)
    if regime is None or receipt.unit not in regime.units:
        return
    info = store.submissions(regime.id, receipt.period).get(receipt.unit)
    if info is None:
        return
    now = clock(month, datetime.fromisoformat(info["received_at"]))
    state = judge(regime, receipt.period, {receipt.unit: info}, now, bool(month))
    store.write([observation(regime.id, receipt.unit, receipt.period, state[receipt.unit],
                             info["received_at"])])
