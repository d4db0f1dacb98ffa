"""Analysis of one series: derived figures against GSO's published ones, seasonal decomposition
(STL) and contributions by breakdown.

- Derived figures: from the level series of a GSO table (`EXPORTS_M`; CPI: the NSDP index level
  `PCPI_IX`), month on month, year on year, year to date and year to date on year, each beside
  the index GSO publishes for the same period where it publishes one, and their difference.
- STL: statsmodels' robust STL of a monthly (or quarterly) level series on a log scale: trend,
  seasonal factor and remainder in percent.
- Contributions: for a table whose rows add up (exports by commodity, retail by sector), each
  row's change on the same period a year earlier as points of the total's growth; for indices
  (CPI groups) each row's own change, which is not a contribution and is labelled so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from wall.analysis.kinds import family
from wall.analysis.paths import InsufficientData, regular
from wall.analysis.periods import freq_of, index_of, label_of, season_length, shift
from wall.config import Catalogue
from wall.store import Store

__all__ = ["Contribution", "DerivedRow", "contributions", "derived_figures", "level_of", "stl"]

LEVELS = {"CPI": "PCPI_IX"}  # GSO's CPI tables publish indices only; NSDP has the level
MEASURES = (("M_MOM_IDX", "So tháng trước", "vs previous month"),
            ("M_YOY_IDX", "So cùng kỳ năm trước", "vs same month last year"),
            ("YTD", "Lũy kế từ đầu năm", "year to date"),
            ("YTD_YOY_IDX", "Lũy kế so cùng kỳ", "year to date vs last year"))


def level_of(code: str, catalogue: Catalogue) -> str | None:
    """The level series a family of measures is derived from (`EXPORTS_YTD` -> `EXPORTS_M`)."""
    fam = family(code)
    for candidate in (LEVELS.get(fam), f"{fam}_M"):
        if candidate and candidate in catalogue:
            return candidate
    return None


@dataclass(frozen=True)
class DerivedRow:
    """One derived figure beside GSO's published one for the same period."""

    measure: str
    label_vi: str
    label_en: str
    period: str
    derived: float | None
    published: float | None

    @property
    def difference(self) -> float | None:
        """Derived minus published, where both exist."""
        if self.derived is None or self.published is None:
            return None
        return self.derived - self.published


def _values(store: Store, code: str, area: str, dims: dict[str, str]) -> dict[str, float]:
    return {o.period: o.value for o in store.series(code, area, dims)
            if o.value is not None and freq_of(o.period) == "M"}


def derived_figures(store: Store, catalogue: Catalogue, code: str, area: str = "VN",
                    dims: dict[str, str] | None = None) -> list[DerivedRow]:
    """MoM, YoY, YTD and YTD-YoY from the level series, beside GSO's published indices."""
    dims = dims or {}
    level = level_of(code, catalogue)
    if level is None:
        return []
    v = _values(store, level, area, dims)
    if not v:
        return []
    p = max(v, key=index_of)
    ind = catalogue.get(level)
    averaged = ind is not None and "index" in ind.unit  # index levels average, flows add up
    months = [f"{p[:4]}-{k:02d}" for k in range(1, int(p[5:7]) + 1)]
    before = [shift(m, -12) for m in months]

    def ytd(ms: list[str]) -> float | None:
        if not all(m in v for m in ms):
            return None
        total = sum(v[m] for m in ms)
        return total / len(ms) if averaged else total

    def ratio(a: float | None, b: float | None) -> float | None:
        return None if a is None or not b else a / b * 100

    this, last = ytd(months), ytd(before)
    derived = {"M_MOM_IDX": ratio(v.get(p), v.get(shift(p, -1))),
               "M_YOY_IDX": ratio(v.get(p), v.get(shift(p, -12))),
               "YTD": None if averaged else this,
               "YTD_YOY_IDX": ratio(this, last)}
    fam = family(code)
    rows = []
    for measure, vi, en in MEASURES:
        published_code = f"{fam}_{measure}"
        published = (_values(store, published_code, area, dims).get(p)
                     if published_code in catalogue else None)
        if derived[measure] is None and published is None:
            continue
        rows.append(DerivedRow(measure, vi, en, p, derived[measure], published))
    return rows


@dataclass(frozen=True)
class Contribution:
    """One breakdown row's change on a year earlier (points of the total, when additive)."""

    label: str
    change: float
    additive: bool


def contributions(store: Store, catalogue: Catalogue, code: str, area: str = "VN",
                  top: int = 10) -> tuple[str, list[Contribution]]:
    """The latest period and the breakdown rows that moved most against a year earlier."""
    ind = catalogue.get(code)
    if ind is None:
        return "", []
    latest = store.latest(code, area)
    head = next((o for o in latest if not o.dims), None)
    rows = [o for o in latest if o.dims.get("breakdown")]
    if not rows:
        return "", []
    groups: dict[str, int] = {}
    for o in rows:  # one table section at a time (commodities, or sectors), never both
        groups[o.dims.get("breakdown_group", "")] = groups.get(o.dims.get("breakdown_group", ""),
                                                               0) + 1
    biggest = max(groups, key=lambda g: groups[g])
    rows = [o for o in rows if o.dims.get("breakdown_group", "") == biggest]
    period = head.period if head else max((o.period for o in rows), key=lambda x: (
        index_of(x) if freq_of(x) else -1))
    if freq_of(period) is None:
        return period, []
    additive = ind.aggregation == "sum" or ("index" not in ind.unit and "percent" not in ind.unit
                                            and "%" not in ind.unit)
    year_ago = shift(period, -season_length(freq_of(period) or "M"))
    base = None
    if additive and head is not None:
        base = {o.period: o.value for o in store.series(code, area, {})}.get(year_ago)
    relative = "previous" in ind.unit or "YOY" in code or "MOM" in code  # already a change
    out = []
    for o in rows:
        if o.period != period or o.value is None:
            continue
        if relative:  # a group's own index: its change in percent, not a contribution
            out.append(Contribution(o.dims["breakdown"], o.value - 100, False))
            continue
        past = {x.period: x.value for x in store.series(code, area, o.dims)}.get(year_ago)
        if past is None:
            continue
        if additive and base:
            out.append(Contribution(o.dims["breakdown"], (o.value - past) / base * 100, True))
        elif not additive:
            out.append(Contribution(o.dims["breakdown"], o.value - past, False))
    out.sort(key=lambda c: -abs(c.change))
    return period, out[:top]


def stl(points: list[tuple[str, float]]) -> dict[str, Any]:
    """Robust STL of a monthly or quarterly series: trend (own unit), seasonal and remainder (%)."""
    from statsmodels.tsa.seasonal import STL

    freq = next((f for f in ("M", "Q") if sum(1 for p, _ in points if freq_of(p) == f) >= 24),
                None)
    if freq is None:
        raise InsufficientData("STL needs two years of monthly or quarterly values")
    start, y = regular(points, freq)
    m = season_length(freq)
    if y.size < 2 * m + 1:
        raise InsufficientData("STL needs two whole seasons")
    log = bool(np.all(y > 0))
    res = STL(np.log(y) if log else y, period=m, robust=True).fit()
    to_pct = (lambda a: (np.exp(a) - 1) * 100) if log else (lambda a: a)
    return {"periods": [label_of(start + k, freq) for k in range(y.size)],
            "observed": y.tolist(),
            "trend": (np.exp(res.trend) if log else res.trend).tolist(),
            "seasonal": to_pct(res.seasonal).tolist(), "remainder": to_pct(res.resid).tolist(),
            "multiplicative": log}
