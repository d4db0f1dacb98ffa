"""The `anomaly` rule, on for every indicator: a new value outside the series' own 95 %
forecast band, or, where no forecast is kept, a change (on the same season a year earlier, or on
the last value) more than 4 robust deviations from the series' usual changes. Hysteresis: an open
alert clears only once the value is back inside the 80 % band (or within 3 deviations), so a
value hovering at the edge does not flap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

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


def _robust(x: Sequence[float]) -> tuple[float, float]:
    """Median and robust spread (MAD scaled to a standard deviation) of `x`.

    Plain Python: on a few dozen values it is several times faster than numpy, and it runs on
    every stored value."""
    med = median(x)
    dev = [abs(v - med) for v in x]
    mad = median(dev) * MAD_TO_SD
    return med, mad or sum(dev) / len(dev) or abs(med) * 0.01 or 1e-9


def _vn(v: float) -> str:
    return format_number(v, 0 if abs(v) >= 1000 else 2)


def judge(value: float, history: Sequence[float], band: dict[str, float] | None = None,
          season: int = 1, raise_at: float = RAISE_MADS,
          clear_at: float = CLEAR_MADS) -> Verdict | None:
    """Judge a new value against the forecast band for its period, else its recent history."""
    if band is not None:
        lo95, hi95, lo80, hi80 = band["lo95"], band["hi95"], band["lo80"], band["hi80"]
        out = value < lo95 or value > hi95
        inside80 = lo80 <= value <= hi80
        width = max(hi95 - band["mean"], band["mean"] - lo95, 1e-12)
        score = abs(value - band["mean"]) / width
        side = "cao hơn" if value > band["mean"] else "thấp hơn"
        return Verdict(bool(out), bool(inside80), float(score),
                       f"{_vn(value)}, {side} khoảng dự báo 95 % ({_vn(lo95)}–{_vn(hi95)})",
                       "forecast")
    if len(history) < MIN_HISTORY:
        return None
    h = [float(v) for v in history]
    # judge the change, not the level: a trending series is not anomalous for growing. The
    # change on the same season a year earlier where there are seasons, else on the last value
    m = season if season > 1 and len(h) >= 2 * season + 2 else 1
    changes = [b - a for a, b in zip(h[:-m], h[m:], strict=True)]
    change = value - h[-m]
    med, spread = _robust(changes)
    score = abs(change - med) / spread
    side = "cao hơn" if change > med else "thấp hơn"
    return Verdict(bool(score > raise_at), bool(score <= clear_at), float(score),
                   f"{_vn(value)}, biến động {side} thường lệ {format_number(score, 1)} lần "
                   f"độ lệch (so {'cùng kỳ' if m > 1 else 'kỳ trước'})", "history")
