"""From a raw series to a forecast path on its own scale: regularise, transform, model, undo.

A path is what a model says about the periods after the last one given: mean and the 80 % and
95 % intervals, in the series' own unit and period format. Year-to-date series are forecast
through their months and cumulated again; a year-to-date index through its monthly companion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wall.analysis.kinds import SeriesKind
from wall.analysis.models import MODELS, z_of
from wall.analysis.periods import Freq, freq_of, index_of, label_of, season_length, year_of

__all__ = ["InsufficientData", "Path", "Point", "predict_path", "regular"]

Point = tuple[str, float]
MAX_GAP = 3
WINDOW: dict[str, int] = {"M": 120, "Q": 48, "A": 40}
Z80, Z95 = z_of(0.8), z_of(0.95)
COMBOS = {"combo": ("ets", "sarima"), "combo3": ("naive-kind", "ets", "sarima")}


class InsufficientData(ValueError):
    """Too few regular periods to forecast."""


@dataclass
class Path:
    """Forecast periods with mean and interval bounds, in the series' own unit."""

    periods: list[str]
    mean: np.ndarray
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray

    def at(self, period: str) -> int | None:
        """Index of `period` in this path, or None."""
        try:
            return self.periods.index(period)
        except ValueError:
            return None

    @classmethod
    def average(cls, paths: Sequence[Path]) -> Path:
        """The mean of several paths over the same periods (a forecast combination)."""
        return cls(paths[0].periods, *(np.mean([getattr(p, f) for p in paths], axis=0)
                                       for f in ("mean", "lo80", "hi80", "lo95", "hi95")))


def regular(points: Sequence[Point], freq: Freq) -> tuple[int, np.ndarray]:
    """Return (first index, values) of the latest run without long gaps, short gaps filled."""
    pts = sorted((index_of(p), v) for p, v in points if freq_of(p) == freq)
    if not pts:
        raise InsufficientData("no periods of this frequency")
    run = [pts[-1]]
    for idx, v in reversed(pts[:-1]):
        if run[0][0] - idx > MAX_GAP or len(run) >= WINDOW[freq]:
            break
        run.insert(0, (idx, v))
    start = run[0][0]
    xs = np.array([i for i, _ in run]) - start
    full = np.interp(np.arange(xs[-1] + 1), xs, np.array([v for _, v in run], dtype=float))
    return start, full


def months_from_ytd(points: Sequence[Point]) -> list[Point]:
    """Monthly values implied by year-to-date totals (a gap's total spread evenly)."""
    out: list[Point] = []
    by_year: dict[int, list[tuple[int, float]]] = {}
    for p, v in points:
        if freq_of(p) == "M":
            by_year.setdefault(year_of(p), []).append((int(p[5:7]), v))
    for year in sorted(by_year):
        prev_month, prev_total = 0, 0.0
        for month, total in sorted(by_year[year]):
            share = (total - prev_total) / (month - prev_month)
            out += [(f"{year:04d}-{k:02d}", share) for k in range(prev_month + 1, month + 1)]
            prev_month, prev_total = month, total
    return out


def _base(points: Sequence[Point], model: str, h: int, freq: Freq, seasonal: bool,
          log: bool) -> Path:
    start, y = regular(points, freq)
    m = season_length(freq) if seasonal else 1
    if y.size < max(8, 2 * m if m > 1 else 0):
        raise InsufficientData(f"{y.size} regular periods")
    log = log and bool(np.all(y > 0))
    z = np.log(y) if log else y
    pred = MODELS[model].predict(z, h, m)
    if not np.all(np.isfinite(pred.mean)) or not np.all(np.isfinite(pred.sd)):
        raise InsufficientData(f"{model} gave no finite forecast")
    undo = np.exp if log else (lambda a: a)
    first = start + y.size
    return Path([label_of(first + k, freq) for k in range(h)], undo(pred.mean),
                undo(pred.mean - Z80 * pred.sd), undo(pred.mean + Z80 * pred.sd),
                undo(pred.mean - Z95 * pred.sd), undo(pred.mean + Z95 * pred.sd))


def _cumulate(months: Path, last: Point) -> Path:
    """Year-to-date path from monthly forecasts, starting at the last known total."""
    period, total = last
    fields = {f: [] for f in ("mean", "lo80", "hi80", "lo95", "hi95")}
    run = {f: total for f in fields}
    year = year_of(period)
    for i, p in enumerate(months.periods):
        if year_of(p) != year:
            year, run = year_of(p), dict.fromkeys(fields, 0.0)
        for f in fields:
            run[f] += float(getattr(months, f)[i])
            fields[f].append(run[f])
    return Path(list(months.periods), *(np.array(fields[f]) for f in fields))


def _average_ytd(months: Path, last: Point, weights: dict[str, float]) -> Path:
    """Year-to-date average index from monthly indices (weighted by last year's months)."""
    period, index = last
    year, upto = year_of(period), int(period[5:7])

    def w(y: int, k: int) -> float:
        return weights.get(f"{y - 1:04d}-{k:02d}", 1.0)

    fields = ("mean", "lo80", "hi80", "lo95", "hi95")
    wsum = sum(w(year, k) for k in range(1, upto + 1))
    acc = dict.fromkeys(fields, index * wsum)
    out: dict[str, list[float]] = {f: [] for f in fields}
    keep: list[str] = []
    for i, p in enumerate(months.periods):
        y, k = year_of(p), int(p[5:7])
        if (y, k) <= (year, upto):
            continue
        if y != year:
            year, wsum, acc = y, 0.0, dict.fromkeys(fields, 0.0)
        wsum += w(y, k)
        for f in fields:
            acc[f] += w(y, k) * float(getattr(months, f)[i])
            out[f].append(acc[f] / wsum)
        keep.append(p)
    return Path(keep, *(np.array(out[f]) for f in fields))


def predict_path(points: Sequence[Point], kind: SeriesKind, model: str, h: int,
                 companion: Sequence[Point] = (), weights: Sequence[Point] = ()) -> Path:
    """Forecast `h` periods after the last of `points` with `model`.

    `combo` averages ETS and SARIMA; `combo3` also the series' naive method.
    """
    if model in COMBOS:
        names = [kind.benchmark if n == "naive-kind" else n for n in COMBOS[model]]
        return Path.average([predict_path(points, kind, n, h, companion, weights)
                             for n in names])
    last = max(points, key=lambda pv: index_of(pv[0]) if freq_of(pv[0]) else -1)
    freq = freq_of(last[0])
    if freq is None:
        raise InsufficientData("the latest period is not a month, quarter or year")
    if kind.name == "ytd" and freq == "M":
        months = [pv for pv in months_from_ytd(points) if index_of(pv[0]) <= index_of(last[0])]
        return _cumulate(_base(months, model, h, "M", True, True), last)
    if kind.name == "ytd_yoy" and freq == "M" and companion:
        comp = [pv for pv in companion if freq_of(pv[0]) == "M"
                and index_of(pv[0]) <= index_of(last[0])]
        if comp:
            comp_last = max(index_of(p) for p, _ in comp)
            ahead = index_of(last[0]) - comp_last + h
            months = _base(comp, model, ahead, "M", False, False)
            return _average_ytd(months, last, dict(weights))
    seasonal = kind.seasonal and freq != "A"
    return _base(points, model, h, freq, seasonal, kind.log)
