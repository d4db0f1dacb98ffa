"""The `anomaly` rule, on for every indicator: a new value outside the series' own 95 %
forecast band, or, where no forecast is kept, more than 4 robust deviations from its recent
history. Hysteresis: an open alert clears only once the value is back inside the 80 % band (or
within 3 robust deviations), so a value hovering at the edge does not flap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wall.locale import format_number

__all__ = ["Verdict", "judge"]

RAISE_MADS, CLEAR_MADS = 4.0, 3.0
MIN_HISTORY = 8
MAD_TO_SD = 1.4826


@dataclass(frozen=True)
class Verdict:
    """Whether a value is anomalous, how far out, and why (in Vietnamese, for the ticker)."""

    anomalous: bool
    clear: bool
    score: float
    reason_vi: str
    basis: str  # "forecast" or "history"


def _robust(history: Sequence[float]) -> tuple[float, float]:
    """Median and robust spread of the changes' level: median and MAD-based deviation."""
    h = np.asarray(history, dtype=float)
    med = float(np.median(h))
    mad = float(np.median(np.abs(h - med))) * MAD_TO_SD
    if mad == 0:  # a flat history: spread from its changes, or a small share of its level
        mad = float(np.median(np.abs(np.diff(h)))) * MAD_TO_SD or abs(med) * 0.01 or 1.0
    return med, mad


def _vn(v: float) -> str:
    return format_number(v, 0 if abs(v) >= 1000 else 2)


def judge(value: float, history: Sequence[float],
          band: dict[str, float] | None = None) -> Verdict | None:
    """Judge a new value against the forecast band for its period, else its recent history."""
    if band is not None:
        lo95, hi95, lo80, hi80 = band["lo95"], band["hi95"], band["lo80"], band["hi80"]
        out = value < lo95 or value > hi95
        inside80 = lo80 <= value <= hi80
        width = max(hi95 - band["mean"], band["mean"] - lo95, 1e-12)
        score = abs(value - band["mean"]) / width
        side = "cao hơn" if value > band["mean"] else "thấp hơn"
        return Verdict(out, inside80, score,
                       f"{_vn(value)}, {side} khoảng dự báo 95 % ({_vn(lo95)}–{_vn(hi95)})",
                       "forecast")
    if len(history) < MIN_HISTORY:
        return None
    med, spread = _robust(history)
    score = abs(value - med) / spread
    side = "cao hơn" if value > med else "thấp hơn"
    return Verdict(score > RAISE_MADS, score <= CLEAR_MADS, score,
                   f"{_vn(value)}, {side} trung vị gần đây ({_vn(med)}) "
                   f"{format_number(score, 1)} lần độ lệch", "history")
