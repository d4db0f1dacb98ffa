"""Progress on plan targets: the year's figure so far, a year-end projection, the chance of
meeting the target and a status.

The figure is computed by the target's measure (config/targets.yaml) from stored series; the
projection completes the year with the series' forecasts (wall.analysis.service), so its
interval is the forecasts' interval carried through the measure. The probability treats the
projection as Gaussian with the spread its 80 % interval implies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import NormalDist
from typing import Any

from wall.analysis.models import z_of
from wall.analysis.paths import InsufficientData, Point
from wall.analysis.periods import Freq, freq_of, index_of, label_of, season_length
from wall.analysis.service import Forecaster, UnknownSeries
from wall.config import Catalogue, Measure, PlanTarget, TargetsConfig

__all__ = ["STATUSES", "Projection", "TargetProgress", "progress", "progress_all"]

STATUSES = ("on_track", "at_risk", "off_track", "achieved", "missed", "no_data")
ON_TRACK, OFF_TRACK = 0.7, 0.3   # probability of meeting the target
Z80 = z_of(0.8)
BOUNDS = ("mean", "lo80", "hi80", "lo95", "hi95")


@dataclass
class Projection:
    """The year's figure: known periods plus forecasts, with 80 % and 95 % intervals."""

    mean: float
    lo80: float
    hi80: float
    lo95: float
    hi95: float
    known: int
    periods: int
    final: bool
    latest_period: str
    latest_value: float | None
    # growth_of_sum: (this year's known sum, last year's total, last year's sum of the rest)
    sums: tuple[float, float, float] | None = None

    def needed(self, threshold: float | None) -> float | None:
        """Growth the rest of the year must reach, against the same periods of last year, for
        the year's growth to reach `threshold` (growth_of_sum measures only)."""
        if self.sums is None or threshold is None or self.final or not self.sums[2]:
            return None
        known, base, rest_before = self.sums
        return (((1 + threshold / 100) * base - known) / rest_before - 1) * 100


def meets(t: PlanTarget, catalogue: Catalogue) -> tuple[float | None, float | None]:
    """The values the year's figure must stay within: (lower, upper), None for open."""
    band = t.band if t.kind == "about" else 0.0
    low = None if t.low is None else t.low - band
    high = None if t.high is None else t.high + band
    if t.kind == "at_least":
        return low, None
    if t.kind == "at_most":
        return None, high
    polarity = getattr(catalogue.get(t.indicator), "polarity", "neutral")
    if polarity == "up":      # "6–6.5 %" growth is met by 6 % or more
        return low, None
    if polarity == "down":    # "4–4.5 %" inflation is met by 4.5 % or less
        return None, high if high is not None else low
    return low, high


def _year_periods(freq: Freq, year: int) -> list[str]:
    n = season_length(freq)
    return [label_of(year if freq == "A" else year * n + k, freq) for k in range(n)]


class _Year:
    """One series over a plan year: known values, and forecasts for the rest."""

    def __init__(self, f: Forecaster, code: str, area: str, dims: dict[str, str],
                 year: int) -> None:
        pts = f.points(code, area, dims)
        freq = _finest(pts)
        self.freq = freq
        self.values = {p: v for p, v in pts if freq_of(p) == freq}
        self.periods = _year_periods(freq, year)
        self.previous = _year_periods(freq, year - 1)
        self.fc: dict[str, dict[str, float]] = {}
        missing = [p for p in self.previous + self.periods if p not in self.values]
        last = max(self.values, key=index_of)
        self.last = last
        need = max((index_of(p) - index_of(last) for p in missing), default=0)
        if need > 0:
            try:
                got = f.get(code, area, dims, horizon=need)
            except InsufficientData:
                got = None
            if got is not None:  # known periods come first: a kept older forecast fills the rest
                self.fc = {p["period"]: p for p in got.points}

    def value(self, period: str, bound: str) -> float | None:
        if period in self.values:
            return self.values[period]
        row = self.fc.get(period)
        return None if row is None else row[bound]

    def total(self, periods: list[str], bound: str) -> float | None:
        vals = [self.value(p, bound) for p in periods]
        return None if any(v is None for v in vals) else float(sum(vals))  # type: ignore[arg-type]

    def known(self, periods: list[str]) -> list[str]:
        return [p for p in periods if p in self.values]


def _finest(pts: list[Point]) -> Freq:
    for freq in ("M", "Q", "A"):
        if sum(1 for p, _ in pts if freq_of(p) == freq) >= 4:
            return freq  # type: ignore[return-value]
    raise InsufficientData("no regular series")


def _project(f: Forecaster, m: Measure, year: int) -> Projection | None:
    """Compute a measure for a year: the figure so far and the year-end projection."""
    s = _Year(f, m.series, m.area, m.dims, year)
    known = s.known(s.periods)
    sums = None
    if m.kind == "year_end":
        end = s.periods[-1]
        vals = {b: s.value(end, b) for b in BOUNDS}
        latest = known[-1] if known else ""
        latest_value = s.values[latest] if latest else None
        out = {b: None if v is None else v * m.scale + m.offset for b, v in vals.items()}
        if latest_value is not None:
            latest_value = latest_value * m.scale + m.offset
    elif m.kind == "growth_of_sum":
        base = s.total(s.previous, "mean")
        out = {b: None if base is None or (t := s.total(s.periods, b)) is None
               else (t / base - 1) * 100 for b in BOUNDS}
        latest = known[-1] if known else ""
        so_far = s.total(known, "mean") if known else None
        before = s.total([p for p, q in zip(s.previous, s.periods, strict=True) if q in known],
                         "mean") if known else None
        latest_value = (so_far / before - 1) * 100 if so_far and before else None
        rest_before = s.total([p for p, q in zip(s.previous, s.periods, strict=True)
                               if q not in known], "mean")
        sums = (so_far or 0.0, base, rest_before) if base and rest_before else None
    else:
        d = _Year(f, m.of, m.area, m.dims, year)
        den = d.total(d.periods, "mean")
        out = {b: None if not den or (t := s.total(s.periods, b)) is None else t / den * 100
               for b in BOUNDS}
        both = [p for p in known if p in d.values]
        latest = both[-1] if both else ""
        latest_value = (sum(s.values[p] for p in both) / sum(d.values[p] for p in both) * 100
                        if both else None)
    if out["mean"] is None:
        return None if latest_value is None else Projection(
            float("nan"), *[float("nan")] * 4, len(known), len(s.periods), False, latest,
            latest_value)
    lo80, hi80 = sorted((out["lo80"], out["hi80"]))
    lo95, hi95 = sorted((out["lo95"], out["hi95"]))
    final = len(known) == len(s.periods) and (m.kind != "share_of_sums" or len(both) == len(
        s.periods))
    return Projection(out["mean"], lo80, hi80, lo95, hi95, len(known), len(s.periods), final,
                      latest, latest_value, sums)


def _probability(p: Projection, bounds: tuple[float | None, float | None]) -> float:
    low, high = bounds
    ok = (low is None or p.mean >= low) and (high is None or p.mean <= high)
    sd = (p.hi80 - p.lo80) / (2 * Z80)
    if p.final or sd <= 0:
        return 1.0 if ok else 0.0
    dist = NormalDist(p.mean, sd)
    return max(0.0, min(1.0, (dist.cdf(high) if high is not None else 1.0)
                        - (dist.cdf(low) if low is not None else 0.0)))


@dataclass
class TargetProgress:
    """A target with its figure so far, projection, probability and status."""

    target: PlanTarget
    projection: Projection | None
    probability: float | None
    status: str
    in_force: bool
    superseded_by: str
    needed: float | None = None  # growth the rest of the year needs for the target (if summed)

    def to_api(self) -> dict[str, Any]:
        """The `/api/v1/targets` row."""
        t, p = self.target, self.projection
        has_mean = p is not None and p.mean == p.mean
        return {
            "target": t.id, "indicator": t.indicator, "year": t.year, "kind": t.kind,
            "low": t.low, "high": t.high, "band": t.band, "unit": t.unit,
            "name_vi": t.name_vi, "name_en": t.name_en, "assignee": t.assignee,
            "assignee_vi": t.assignee_vi, "example": t.example, "note": t.note,
            "latest": ({"period": p.latest_period, "value": p.latest_value}
                       if p is not None and p.latest_value is not None else None),
            "progress": ({"periods_known": p.known, "periods_in_year": p.periods}
                         if p is not None else None),
            "projection": ({b: getattr(p, b) for b in BOUNDS} if has_mean else None),
            "needed_rest_of_year": self.needed,
            "probability": self.probability, "status": self.status,
            "in_force": self.in_force, "superseded_by": self.superseded_by or None,
            "instrument": t.instrument, "adopted": t.adopted, "source_url": t.source_url,
        }


def progress(f: Forecaster, t: PlanTarget, catalogue: Catalogue, today: date,
             replaced: PlanTarget | None = None) -> TargetProgress:
    """Work out one target's progress."""
    in_force = date.fromisoformat(t.adopted) <= today and (
        replaced is None or date.fromisoformat(replaced.adopted) > today)
    proj = None
    if t.measure is not None:
        try:
            proj = _project(f, t.measure, t.year)
        except (UnknownSeries, InsufficientData, ValueError):
            proj = None
    if proj is None or proj.mean != proj.mean:
        return TargetProgress(t, proj, None, "no_data", in_force, replaced.id if replaced else "")
    bounds = meets(t, catalogue)
    prob = _probability(proj, bounds)
    needed = proj.needed(bounds[0]) if t.measure.kind == "growth_of_sum" else None
    if proj.final:
        status = "achieved" if prob >= 0.5 else "missed"
    else:
        status = "on_track" if prob >= ON_TRACK else ("at_risk" if prob >= OFF_TRACK
                                                      else "off_track")
    return TargetProgress(t, proj, round(prob, 3), status, in_force,
                          replaced.id if replaced else "", needed)


def progress_all(f: Forecaster, config: TargetsConfig, catalogue: Catalogue, year: int,
                 today: date) -> list[TargetProgress]:
    """Every target of a year, in file order."""
    replaced = config.superseded_by()
    return [progress(f, t, catalogue, today, replaced.get(t.id))
            for t in config.targets if t.year == year]
