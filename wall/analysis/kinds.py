"""How a series is forecast, from its code and unit: levels, rates, indices, year-to-date flows.

- `level`: monthly or quarterly values (exports, retail sales, GDP by quarter): seasonal, on a log
  scale when positive; benchmark: seasonal naive.
- `rate`: percentages (unemployment, shares): seasonal models allowed; benchmark: naive.
- `yoy`: indices or changes against the same period a year earlier: not seasonal; benchmark: naive.
- `mom`: month-on-month indices: seasonal (Tết), no log; benchmark: seasonal naive.
- `ytd`: cumulated since January (`*_YTD`, `*_YTD_PCT_PLAN`): forecast through the monthly values
  it implies, then cumulated again; benchmark: seasonal naive months.
- `ytd_yoy`: a year-to-date index against last year (`*_YTD_YOY_IDX`) with a monthly companion
  (`*_M_YOY_IDX`): forecast through the companion's months, averaged as the index is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from wall.config import Indicator

__all__ = ["SeriesKind", "family", "kind_of"]

KindName = Literal["level", "rate", "yoy", "mom", "ytd", "ytd_yoy"]


@dataclass(frozen=True)
class SeriesKind:
    """The transformation, seasonality and benchmark for one indicator's series."""

    name: KindName
    seasonal: bool
    log: bool
    benchmark: Literal["naive", "snaive"]
    companion: str = ""   # ytd_yoy: the monthly index it averages
    weights: str = ""     # ytd_yoy of a flow: last year's monthly values weigh the months


def family(code: str) -> str:
    """The GSO table a measure belongs to: `EXPORTS_YTD_YOY_IDX` -> `EXPORTS`."""
    return re.sub(r"_(M|YTD)(_[A-Z_]+)?$", "", code)


def _is_yoy(code: str, unit: str) -> bool:
    return ("YOY" in code or "same period" in unit or "same month" in unit
            or code.endswith(("_PC_PP_PT", "_PC_CP_A_PT")))


def kind_of(ind: Indicator, codes: set[str] | frozenset[str]) -> SeriesKind:
    """Return how to forecast `ind`'s series (`codes`: the catalogue's indicator codes)."""
    code, unit = ind.code, ind.unit.lower()
    if code.endswith("_YTD_YOY_IDX"):
        companion = code.replace("_YTD_YOY_IDX", "_M_YOY_IDX")
        if companion in codes:
            flow = code.replace("_YTD_YOY_IDX", "_M")
            return SeriesKind("ytd_yoy", False, False, "naive", companion,
                              flow if flow in codes else "")
    if _is_yoy(code, unit):
        return SeriesKind("yoy", False, False, "naive")
    if "MOM" in code or "previous month" in unit:
        return SeriesKind("mom", True, False, "snaive")
    if code.endswith(("_YTD", "_YTD_PCT_PLAN")):
        return SeriesKind("ytd", True, True, "snaive")
    if "percent" in unit or unit.startswith("%") or unit.endswith("%"):
        return SeriesKind("rate", True, False, "naive")
    return SeriesKind("level", True, True, "snaive")
