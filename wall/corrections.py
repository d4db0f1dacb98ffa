"""An operator corrects or retracts one stored value, with a reason, and the audit says who.

A correction stores the same period again as the next revision (so it supersedes everywhere the
store's revision order rules, and reaches the screens as any update does); a retraction takes the
period out of the series, the newest remaining period becoming the latest again, and the screens
showing that indicator reload their snapshot.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from wall.observation import Observation, ObservationError, parse_observation
from wall.store import Store

__all__ = ["CorrectionError", "correct", "retract"]

MAX_REASON = 2000


class CorrectionError(ValueError):
    """A correction or retraction that cannot be made; `status` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _target(body: Any) -> tuple[str, str, dict[str, str], str, str]:
    """(indicator, area, dims, period, reason) of a request body, checked."""
    if not isinstance(body, dict):
        raise CorrectionError("the body is a JSON object")
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        raise CorrectionError(f"reason: say why, in at most {MAX_REASON} characters")
    probe = {"indicator": body.get("indicator"), "area": body.get("area", "VN"),
             "period": body.get("period"), "dims": body.get("dims") or {}, "value": 0,
             "unit": "-", "source": "correction", "observed_at": datetime.now(UTC).isoformat()}
    try:  # the same checks as ingest for codes, dims and the period's form
        o = parse_observation(probe)
    except ObservationError as exc:
        raise CorrectionError(str(exc)) from exc
    return o.indicator, o.area, dict(o.dims), o.period, reason.strip()


def _found(store: Store, indicator: str, area: str, dims: dict[str, str],
           period: str) -> Observation:
    current = store.at_period(indicator, area, dims, period)
    if current is None:
        raise CorrectionError(f"no stored value of {indicator} for {area} {period}", 404)
    return current


def correct(store: Store, body: Any, who: str, where: str) -> dict[str, Any]:
    """Store `body["value"]` as the next revision of one stored period; audited."""
    indicator, area, dims, period, reason = _target(body)
    value = body.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value \
            or abs(value) == float("inf"):
        raise CorrectionError("value: a finite number")
    current = _found(store, indicator, area, dims, period)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    fixed = replace(current, value=float(value), revision=current.revision + 1,
                    status="ok", received_at=now)
    store.write([fixed])
    detail = {"indicator": indicator, "area": area, "dims": dims, "period": period,
              "old": current.value, "new": fixed.value, "revision": fixed.revision,
              "source": current.source, "reason": reason}
    store.audit(who, "observations.correct", detail, where)
    return {"corrected": fixed.to_dict(), "was": current.to_dict()}


def retract(store: Store, body: Any, who: str, where: str) -> dict[str, Any]:
    """Take one stored period out of its series; audited; screens showing it reload."""
    indicator, area, dims, period, reason = _target(body)
    gone = store.retract(indicator, area, dims, period)
    if gone is None:
        raise CorrectionError(f"no stored value of {indicator} for {area} {period}", 404)
    store.audit(who, "observations.retract", {
        "indicator": indicator, "area": area, "dims": dims, "period": period,
        "value": gone.value, "revision": gone.revision, "source": gone.source,
        "reason": reason}, where)
    store.tell_screens({"action": "retracted", "indicator": indicator})
    latest = store.latest(indicator, area, dims)
    return {"retracted": gone.to_dict(),
            "latest": latest[0].to_dict() if latest else None}
