"""Province statistics as published (63-province edition) and the 34 units computed from them.

Reads the long-format CSV files (gzipped or not) of `data_feeds/seed/provinces/` — GSO yearbook
tables, PCI, PAPI, MOF provincial budgets — through the same row checks as a report file
(data_feeds/report_file.py): each row becomes an Observation under area `63-<code>`, and the
34 units of 2025 are computed by the catalogue's `aggregation` (data_feeds/province_rollup.py).

The files carry no release dates, so `observed_at` is the usual publication season of each
source (approximate, 00:00 Vietnam time), documented here and in the seed README:

* GSO Statistical Yearbook of year Y: 30 June Y+1;
* PCI Y (VCCI): 31 March Y+1;  PAPI Y (UNDP/CECODES): 30 April Y+1;
* MOF budget plan (dự toán) Y: 31 December Y-1; final accounts (quyết toán) Y: 30 June Y+2.

The data are annual and historical: the first poll releases all of it (about 131,000 values,
newest year first, so the latest values are there first), later polls only when a file changed.
Into a real Redis that takes about 15 s; into the demo's embedded one about 2 minutes.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from pydantic import BaseModel

from data_feeds.base import Feed, Rejected
from data_feeds.province_rollup import rollup
from data_feeds.report_file import rows_to_items
from wall.observation import Observation

__all__ = ["ProvinceStatsFeed", "release_time"]

SEED = Path(__file__).resolve().parent / "seed" / "provinces"


def release_time(indicator: str, period: str) -> str:
    """Return the approximate publication time of a province value (see the module doc)."""
    year = int(period[:4])
    if indicator.startswith("PCI_"):
        day = f"{year + 1}-03-31"
    elif indicator.startswith("PAPI_"):
        day = f"{year + 1}-04-30"
    elif indicator.startswith("BUDGET_") and indicator.endswith("_PLAN"):
        day = f"{year - 1}-12-31"
    elif indicator.startswith("BUDGET_"):
        day = f"{year + 2}-06-30"
    else:
        day = f"{year + 1}-06-30"
    return f"{day}T00:00:00+07:00"


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:  # type: ignore[operator]
        reader = csv.DictReader(io.StringIO(fh.read(), newline=""))
    for n, row in enumerate(reader, start=2):
        yield n, {(k or "").strip(): (v or "").strip() for k, v in row.items()}


class ProvinceStatsSettings(BaseModel):
    """Where the province files are (every *.csv and *.csv.gz but province_codes.csv)."""

    folder: str = str(SEED)


class ProvinceStatsFeed(Feed):
    """Release the province statistics (both editions) with their publication times."""

    kind = "province_stats"
    Settings = ProvinceStatsSettings

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._released: tuple[tuple[str, float], ...] = ()
        self._pending: tuple[tuple[str, float], ...] = ()

    def files(self) -> list[Path]:
        """The data files read, in name order."""
        folder = Path(self.settings.folder)
        return sorted(p for p in folder.iterdir()
                      if p.name.endswith((".csv", ".csv.gz")) and p.name != "province_codes.csv")

    def load(self) -> list[Observation | Rejected]:
        """Read every file: 63-edition Observations, rejects, then the computed 34 units."""
        items: list[Observation | Rejected] = []
        for path in self.files():
            for item in rows_to_items(_rows(path), self.catalogue, self.id):
                if isinstance(item, Observation):
                    item = replace(item, observed_at=release_time(item.indicator, item.period))
                else:
                    item = Rejected(f"{path.name}: {item.reason}", item.raw, item.kind)
                items.append(item)
        items += rollup((i for i in items if isinstance(i, Observation)), self.catalogue)
        return sorted(items, key=lambda i: -i.rank[0] if isinstance(i, Observation) else 0.0)

    def poll(self) -> Iterable[Observation | Rejected]:
        """Return every province value the first time and when a file changed, else nothing."""
        self._pending = tuple((p.name, p.stat().st_mtime) for p in self.files())
        if self._pending == self._released:
            return []
        return self.load()  # not kept: about 131,000 values, read again only on a change

    def committed(self) -> None:
        """Everything the last poll returned is stored: release it again only if it changes."""
        self._released = self._pending
