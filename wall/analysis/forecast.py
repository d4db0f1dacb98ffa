"""Forecast one series: choose a model by rolling-origin backtest, calibrate, predict.

Only data up to the series' last period is used, at every step: each backtest origin sees only
what was known then, and the chosen model is refitted on everything known now.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from wall.analysis.kinds import SeriesKind
from wall.analysis.models import candidates
from wall.analysis.paths import InsufficientData, Path, Point, predict_path
from wall.analysis.periods import freq_of, index_of, season_length

__all__ = ["Backtest", "Forecast", "InsufficientData", "backtest", "forecast"]

log = logging.getLogger(__name__)

# per frequency: horizon evaluated, number of origins, periods between origins
PLAN: dict[str, tuple[int, int, int]] = {"M": (12, 8, 2), "Q": (4, 8, 1), "A": (2, 6, 1)}
CALIBRATION_BOUNDS = (0.6, 4.0)


@dataclass
class Backtest:
    """How each candidate did on past origins: errors, the naive benchmark, interval coverage."""

    origins: int = 0
    mae: dict[str, float] = field(default_factory=dict)
    mase: dict[str, float] = field(default_factory=dict)
    coverage80: dict[str, float] = field(default_factory=dict)
    coverage95: dict[str, float] = field(default_factory=dict)
    chosen: str = ""
    benchmark: str = ""
    scale80: float = 1.0
    scale95: float = 1.0
    selected_at: str = ""   # the last period the backtest saw
    held_out80: float | None = None  # calibrated on the older origins, counted on the newer
    held_out95: float | None = None


@dataclass
class Forecast:
    """A series' forecast: the model chosen, the last period used and the points ahead."""

    indicator: str
    area: str
    dims: dict[str, str]
    kind: str
    as_of: str
    model: str
    points: list[dict[str, Any]]
    backtest: Backtest
    computed_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(
        timespec="seconds"))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (as the API and the Redis cache hold it)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Forecast:
        """Rebuild from `to_dict` output."""
        return cls(**{**data, "backtest": Backtest(**data["backtest"])})


def _own_freq(points: Sequence[Point]) -> tuple[str, list[Point]]:
    """The finest regular frequency with enough points, and the points written in it."""
    for freq in ("M", "Q", "A"):
        pts = sorted((pv for pv in points if freq_of(pv[0]) == freq),
                     key=lambda pv: index_of(pv[0]))
        if len(pts) >= 8:
            return freq, pts
    raise InsufficientData("fewer than 8 monthly, quarterly or yearly periods")


def _scale(points: Sequence[Point], kind: SeriesKind, freq: str) -> float:
    """In-sample mean absolute error of the one-step benchmark (the MASE denominator)."""
    y = np.array([v for _, v in points], dtype=float)
    m = season_length(freq) if kind.benchmark == "snaive" and freq != "A" else 1
    if y.size <= m:
        return float("nan")
    d = np.abs(y[m:] - y[:-m])
    return float(np.mean(d)) or float("nan")


def _ratio(actual: float, path: Path, i: int, level: str) -> float:
    """How far outside (>1) or inside (<1) its interval an actual value fell."""
    mean = float(path.mean[i])
    if actual >= mean:
        width = float(getattr(path, f"hi{level}")[i]) - mean
        return (actual - mean) / width if width > 0 else (0.0 if actual == mean else np.inf)
    width = mean - float(getattr(path, f"lo{level}")[i])
    return (mean - actual) / width if width > 0 else np.inf


def backtest(points: Sequence[Point], kind: SeriesKind, companion: Sequence[Point] = (),
             weights: Sequence[Point] = (), models: Sequence[str] | None = None) -> Backtest:
    """Rolling-origin evaluation of the candidate models on the series' own past."""
    freq, pts = _own_freq(points)
    horizon, n_origins, step = PLAN[freq]
    names = list(models or candidates(kind.benchmark))
    errors: dict[str, list[float]] = {n: [] for n in [*names, "combo", "combo3"]}
    r80: dict[str, list[float]] = {n: [] for n in errors}
    r95: dict[str, list[float]] = {n: [] for n in errors}
    origin_of: dict[str, list[int]] = {n: [] for n in errors}  # which origin each ratio is from
    used = 0
    for j in range(n_origins):
        cut = len(pts) - horizon - step * j
        if cut < 8:
            break
        history, ahead = pts[:cut], dict(pts[cut:cut + horizon])
        edge = index_of(history[-1][0])
        comp = [pv for pv in companion if freq_of(pv[0]) and index_of(pv[0]) <= edge
                and freq_of(pv[0]) == freq]
        paths: dict[str, Path] = {}
        for name in names:
            try:
                paths[name] = predict_path(history, kind, name, horizon, comp, weights)
            except (InsufficientData, ValueError, np.linalg.LinAlgError) as exc:
                log.debug("backtest %s at origin %s: %s", name, history[-1][0], exc)
        if "ets" in paths and "sarima" in paths:  # combinations cost no further fit
            paths["combo"] = Path.average([paths["ets"], paths["sarima"]])
            if kind.benchmark in paths:
                paths["combo3"] = Path.average([paths[kind.benchmark], paths["ets"],
                                                paths["sarima"]])
        if not paths:
            continue
        used += 1
        for name, path in paths.items():
            for i, p in enumerate(path.periods):
                if p in ahead:
                    errors[name].append(abs(ahead[p] - float(path.mean[i])))
                    r80[name].append(_ratio(ahead[p], path, i, "80"))
                    r95[name].append(_ratio(ahead[p], path, i, "95"))
                    origin_of[name].append(j)
    scale = _scale(pts, kind, freq)
    bt = Backtest(origins=used, benchmark=kind.benchmark, selected_at=pts[-1][0])
    for name, errs in errors.items():
        if not errs or len(errs) < len(errors[kind.benchmark]):
            continue  # a model that failed at some origins is not compared on fewer of them
        bt.mae[name] = float(np.mean(errs))
        bt.mase[name] = bt.mae[name] / scale if np.isfinite(scale) else float("nan")
        bt.coverage80[name] = float(np.mean(np.array(r80[name]) <= 1))
        bt.coverage95[name] = float(np.mean(np.array(r95[name]) <= 1))
    if not bt.mae:
        raise InsufficientData("no model could be evaluated on this series' past")
    bt.chosen = min(bt.mae, key=lambda n: (bt.mae[n], n != kind.benchmark))
    c = bt.chosen
    if len(r80[c]) >= 10:
        bt.scale80, bt.scale95 = _calibrate(r80[c], r95[c])
        # honest coverage of calibrated intervals: scale from the older origins, count the newer
        older = np.array(origin_of[c]) >= used / 2
        if older.any() and (~older).any():
            k80, k95 = _calibrate(list(np.array(r80[c])[older]), list(np.array(r95[c])[older]))
            bt.held_out80 = float(np.mean(np.array(r80[c])[~older] <= k80))
            bt.held_out95 = float(np.mean(np.array(r95[c])[~older] <= k95))
    return bt


def _calibrate(r80: list[float], r95: list[float]) -> tuple[float, float]:
    """Interval scales that make the 80 % and 95 % intervals cover their share of past errors."""
    lo, hi = CALIBRATION_BOUNDS
    return (float(np.clip(np.quantile(r80, 0.8), lo, hi)),
            float(np.clip(np.quantile(r95, 0.95), lo, hi)))


def _widen(path: Path, bt: Backtest) -> Path:
    """Intervals scaled by how the chosen model's intervals covered its own past errors."""
    m = path.mean
    return Path(path.periods, m, m - bt.scale80 * (m - path.lo80), m + bt.scale80 * (path.hi80 - m),
                m - bt.scale95 * (m - path.lo95), m + bt.scale95 * (path.hi95 - m))


def forecast(indicator: str, area: str, dims: dict[str, str], points: Sequence[Point],
             kind: SeriesKind, horizon: int, companion: Sequence[Point] = (),
             weights: Sequence[Point] = (), chosen: Backtest | None = None) -> Forecast:
    """Forecast `horizon` periods after the last one (reusing `chosen` if given)."""
    freq, pts = _own_freq(points)
    bt = chosen or backtest(pts, kind, companion, weights)
    path = _widen(predict_path(pts, kind, bt.chosen, horizon, companion, weights), bt)
    rows = [{"period": p, "mean": float(path.mean[i]), "lo80": float(path.lo80[i]),
             "hi80": float(path.hi80[i]), "lo95": float(path.lo95[i]),
             "hi95": float(path.hi95[i])} for i, p in enumerate(path.periods)][:horizon]
    return Forecast(indicator, area, dict(dims), kind.name, pts[-1][0], bt.chosen, rows, bt)
