"""Replay published series on an accelerated clock, so the demo wall moves on real numbers.

Reads the long CSV format of the GSO monthly tables (`indicator_code, …, breakdown_vi, period,
value, unit, status, source, source_file`). Each poll releases the next month: what was published
in that month. A value's `observed_at` is its publication date: the date in the GSO workbook's
file name (`datas/2012-01-30-Bieu-….xls`) where the row names one, otherwise the last day of the
month its period is customarily published in (the period's last month; a `revised` row one month
later). Values are the published ones; only the clock is accelerated. Each poll also stores
`REPLAY_ASOF` (period: the month released, value 1 while advancing, 0 once at rest on the latest),
from which every screen says PHÁT LẠI and the month its data reaches.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import BaseModel

from data_feeds.base import Feed, Rejected
from wall.config import Indicator
from wall.geo import predecessors, province_code_63, successor
from wall.observation import Observation, ObservationError, parse_observation

__all__ = ["ReplayFeed"]

SEED = Path(__file__).resolve().parent / "seed" / "indicators.csv"
ASOF = "REPLAY_ASOF"
_FILE_DATE = re.compile(r"(?<!\d)(20\d\d|19\d\d)-(\d\d)-(\d\d)(?!\d)")
PROVINCE_GROUP = "Phân theo một số tỉnh"
_STATUS = {"estimate": ("provisional", 0), "revised": ("revised", 1), "": ("ok", 0)}


class ReplaySettings(BaseModel):
    """Where the series are and where live replay starts."""

    path: str = str(SEED)
    start: str = "2019-01"
    loop: bool = False


def _release_month(period: str, revised: bool) -> str:
    """Return YYYY-MM in which a value for `period` is published (the period's last month)."""
    year = int(period[:4])
    if len(period) == 4:
        month = 12
    elif "-Q" in period:
        month = int(period[-1]) * 3
    elif "-S" in period:
        month = int(period[-1]) * 6
    else:
        month = int(period[5:7])
    if revised:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}"


def published_on(row: dict[str, str], period: str, revised: bool) -> str:
    """Return when a row was published (ISO, Vietnam time): its file's date, else month end."""
    m = _FILE_DATE.search(row.get("source_file", ""))
    if m:
        try:
            day = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            day = None
        if day is not None:
            return f"{day.isoformat()}T17:00:00+07:00"
    month = _release_month(period, revised)
    nxt = date(int(month[:4]) + int(month[5:]) // 12, int(month[5:]) % 12 + 1, 1)
    return f"{date.fromordinal(nxt.toordinal() - 1).isoformat()}T17:00:00+07:00"


class ReplayFeed(Feed):
    """Release real published observations month by month."""

    kind = "replay"
    Settings = ReplaySettings

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._by_month, self._rejects = self._load()
        self._months = sorted(self._by_month)
        self._cursor = 0

    # -- loading ----------------------------------------------------------------------------
    def _load(self) -> tuple[dict[str, list[dict[str, object]]], list[Rejected]]:
        by_month: dict[str, list[dict[str, object]]] = defaultdict(list)
        rejects: list[Rejected] = []
        provinces: dict[tuple[str, str, str], dict[str, float]] = defaultdict(dict)
        with Path(self.settings.path).open(encoding="utf-8", newline="") as fh:
            for line, row in enumerate(csv.DictReader(fh), start=2):
                record = self._record(row, provinces)
                if isinstance(record, Rejected):
                    rejects.append(Rejected(f"line {line}: {record.reason}", record.raw))
                elif record is not None:
                    by_month[str(record["observed_at"])[:7]].append(record)
        for record in self._rollups(provinces) + self._derived(by_month):
            by_month[str(record["observed_at"])[:7]].append(record)
        return by_month, rejects

    def _record(self, row: dict[str, str],
                provinces: dict[tuple[str, str, str], dict[str, float]]
                ) -> dict[str, object] | Rejected | None:
        code = row.get("indicator_code", "")
        ind = self.catalogue.get(code)
        if ind is None:
            return Rejected(f"indicator {code!r} is not in the catalogue", row)
        try:
            value = float(row["value"])
        except (KeyError, ValueError):
            return Rejected(f"value {row.get('value')!r} is not a number", row)
        status, revision = _STATUS.get(row.get("status", ""), ("ok", 0))
        label, group = row.get("breakdown_vi", ""), row.get("breakdown_group", "")
        published = published_on(row, row.get("period", ""), status == "revised")
        if group.startswith(PROVINCE_GROUP):
            old = province_code_63(label)
            if old is None:
                return Rejected(f"province {label!r} has no GSO code", row)
            provinces[(code, row["period"], row.get("status", ""), published)][old] = value
            return None
        dims = {} if (not label or label in ind.headline) else {"breakdown": label}
        if group:
            dims["breakdown_group"] = group
        return {"indicator": code, "area": row.get("area_code") or "VN",
                "period": row["period"], "value": value, "unit": row.get("unit") or ind.unit,
                "status": status, "revision": revision, "dims": dims, "observed_at": published}

    def _rollups(self, provinces: dict[tuple[str, str, str, str], dict[str, float]]
                 ) -> list[dict[str, object]]:
        """Sum former provinces into their 34-edition unit, only where every one reported."""
        out: list[dict[str, object]] = []
        for (code, period, raw_status, published), values in provinces.items():
            ind = self.catalogue.get(code)
            if ind is None or ind.aggregation != "sum":
                continue
            for new in {successor(old) for old in values} - {None}:
                olds = predecessors(str(new))
                if olds <= values.keys():
                    status, revision = _STATUS.get(raw_status, ("ok", 0))
                    out.append({"indicator": code, "area": new, "period": period,
                                "value": round(sum(values[o] for o in olds), 3),
                                "unit": ind.unit, "status": status, "revision": revision,
                                "dims": {}, "observed_at": published})
        return out

    def _derived(self, by_month: dict[str, list[dict[str, object]]]) -> list[dict[str, object]]:
        """Compute catalogue indicators defined as `A - B` from published headline values."""
        out: list[dict[str, object]] = []
        derived = [i for i in self.catalogue.indicators if i.derived]
        index = {(r["indicator"], r["area"], r["period"], r["revision"]): r
                 for rows in by_month.values() for r in rows if not r["dims"]}
        for ind in derived:
            out += _difference(ind, index)
        return out

    # -- polling ----------------------------------------------------------------------------
    def poll(self) -> Iterable[Observation | Rejected]:
        """Release the next month (the first poll releases all history up to `start`)."""
        if self._cursor == 0 and self._rejects:
            yield from self._rejects
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        if self._cursor >= len(self._months):
            if not self.settings.loop or not self._months:
                yield from self._asof(now, moving=False)
                return
            self._cursor = 0
        for month in self._next_months():
            yield from self._observations(self._by_month[month])
        yield from self._asof(now, moving=self._cursor < len(self._months))

    def _asof(self, now: str, moving: bool) -> Iterator[Observation | Rejected]:
        """Say which month the replay has reached (and whether it still moves)."""
        if not self.position or self.catalogue.get(ASOF) is None:
            return
        yield from self._observations([{
            "indicator": ASOF, "area": "VN", "period": self.position, "value": int(moving),
            "unit": "flag", "status": "ok", "revision": 0, "dims": {}, "observed_at": now}])

    def _next_months(self) -> list[str]:
        if self._cursor == 0:
            first = [m for m in self._months if m <= self.settings.start] or self._months[:1]
            self._cursor = len(first)
            return first
        self._cursor += 1
        return [self._months[self._cursor - 1]]

    def _observations(self, records: list[dict[str, object]]
                      ) -> Iterator[Observation | Rejected]:
        for record in records:
            try:
                yield parse_observation({**record, "source": self.id})
            except ObservationError as exc:
                yield Rejected(str(exc), record)

    @property
    def position(self) -> str:
        """The month last released."""
        return self._months[self._cursor - 1] if self._cursor else ""


def _difference(ind: Indicator, index: dict[tuple[object, ...], dict[str, object]]
                ) -> list[dict[str, object]]:
    left, _, right = (p.strip() for p in ind.derived.partition("-"))
    out = []
    for (code, area, period, revision), a in index.items():
        b = index.get((right, area, period, revision))
        if code != left or b is None:
            continue
        out.append({**a, "indicator": ind.code, "unit": ind.unit, "dims": {},
                    "value": round(float(a["value"]) - float(b["value"]), 3)})  # type: ignore[arg-type]
    return out
