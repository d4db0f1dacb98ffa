"""Small builders shared by tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from wall.observation import Observation, parse_observation


def record(**overrides: Any) -> dict[str, Any]:
    """Return a valid observation record, with fields overridden."""
    base: dict[str, Any] = {
        "indicator": "EXPORTS_M", "area": "VN", "period": "2026-10", "value": 41234.5,
        "unit": "million USD", "source": "test", "observed_at": datetime.now(UTC).isoformat(),
        "status": "ok", "revision": 0,
    }
    base.update(overrides)
    return base


def obs(**overrides: Any) -> Observation:
    """Return a valid Observation, with fields overridden."""
    return parse_observation(record(**overrides))
