"""Period arithmetic for regular series: months (YYYY-MM), quarters (YYYY-Qn), years (YYYY)."""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["Freq", "freq_of", "index_of", "label_of", "period_end_month", "position_in_year",
           "season_length",
           "shift", "year_of"]

Freq = Literal["M", "Q", "A"]

_PATTERNS: dict[Freq, re.Pattern[str]] = {
    "M": re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
    "Q": re.compile(r"^(\d{4})-Q([1-4])$"),
    "A": re.compile(r"^(\d{4})$"),
}
_PER_YEAR: dict[Freq, int] = {"M": 12, "Q": 4, "A": 1}


def freq_of(period: str) -> Freq | None:
    """Return the frequency a period is written in, or None for other forms (days, instants)."""
    for freq, pattern in _PATTERNS.items():
        if pattern.match(period):
            return freq
    return None


def season_length(freq: Freq) -> int:
    """Periods per year."""
    return _PER_YEAR[freq]


def index_of(period: str) -> int:
    """Return a running index (year * periods-per-year + position) of a regular period."""
    freq = freq_of(period)
    if freq is None:
        raise ValueError(f"{period!r} is not a month, quarter or year")
    m = _PATTERNS[freq].match(period)
    assert m is not None
    year = int(m[1])
    return year if freq == "A" else year * _PER_YEAR[freq] + int(m[2]) - 1


def label_of(index: int, freq: Freq) -> str:
    """Return the period written in its own format for a running index."""
    if freq == "A":
        return f"{index:04d}"
    year, pos = divmod(index, _PER_YEAR[freq])
    return f"{year:04d}-{pos + 1:02d}" if freq == "M" else f"{year:04d}-Q{pos + 1}"


def shift(period: str, n: int) -> str:
    """Return the period `n` steps after `period` (before it when n < 0)."""
    freq = freq_of(period)
    if freq is None:
        raise ValueError(f"{period!r} is not a month, quarter or year")
    return label_of(index_of(period) + n, freq)


def year_of(period: str) -> int:
    """Return the calendar year of a period."""
    return int(period[:4])


def position_in_year(period: str) -> int:
    """Return 1-based position in the year (month number, quarter number, 1 for a year)."""
    freq = freq_of(period)
    if freq is None or freq == "A":
        return 1
    return index_of(period) % _PER_YEAR[freq] + 1


def period_end_month(period: str) -> int:
    """Return the month (1–12) a regular period ends in."""
    freq = freq_of(period)
    if freq is None:
        raise ValueError(f"{period!r} is not a month, quarter or year")
    return {"M": 1, "Q": 3, "A": 12}[freq] * position_in_year(period) if freq != "A" else 12
