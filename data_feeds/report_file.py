"""Report files (CSV, XLSX) in the long format of the GSO tables and the NSDP series.

Columns: `indicator_code, [indicator_name_vi, indicator_name_en,] [area_code,] [breakdown_group,
breakdown_vi,] period, value, unit[, status, source, …]` — extra columns are ignored. Each row is
checked against the catalogue (code, unit) and the regime's template; good rows become
Observations (breakdown labels kept as dims, a `revised` row superseding the `estimate` of the
same period), bad rows are quarantined with the row number and the reason. The file is kept.

Province rows (a two-digit GSO `area_code`) are on the boundaries of their time: a period that
ended by 30 June 2025 is on the 63-province edition and is stored under area `63-<code>`
(wall.geo.area_63); later ones are the 34 units of 2025 under the plain code. An `edition`
column (`63` or `34`) overrides that. `breakdown_group = total` marks the headline value (no
dims). The 34 units are then computed from the file's 63-edition values where the indicator's
`aggregation` allows (data_feeds/province_rollup.py), beside the rows themselves.

A file whose header has `number, title, issued_by, agency, due_on` (and `document, issued_on`,
optionally `status, completed_on, progress_note`) holds direction tasks (wall/tasks.py) instead.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel

from data_feeds.base import Feed, FeedError, Rejected, Submission
from data_feeds.province_rollup import POPULATION, Population, rollup
from wall.config import Catalogue, Regime, RegimesConfig, WallSettings, load_settings
from wall.geo import area_63, provinces_63
from wall.ingest import deliver
from wall.observation import Observation, ObservationError, parse_observation, period_rank
from wall.store import Store
from wall.tasks import SCOPE_INDICATOR, Task, TaskError, parse_task

__all__ = ["ImportResult", "ReportDropFeed", "import_file", "ingest_file", "parse_name", "row_item",
           "rows_to_items", "scan_scope", "TooManyRows", "table_rows", "task_items"]

STATUS = {"estimate": ("provisional", 0), "provisional": ("provisional", 0),
          "revised": ("revised", 1), "official": ("revised", 1), "": ("ok", 0), "ok": ("ok", 0)}
REPORT_SUFFIXES = {".csv", ".xlsx", ".xml"}
_NAME = re.compile(r"^(?P<regime>[A-Za-z0-9\-]+)__(?P<unit>[A-Za-z0-9]+)__(?P<period>[0-9Q\-S]+)$")
Progress = Callable[[int], None]
TASK_COLUMNS = {"number", "title", "issued_by", "agency", "due_on"}  # a direction task file
_PROVINCE = re.compile(r"^[0-9]{2}$")
EXTRA, SHAPE = "\x00extra", "\x00shape"  # a row's fields beyond the header; its shape if wrong
MAX_ROWS = 250_000  # rows of one report file: bounds the memory of one import
LAST_63_PERIOD = period_rank("2025-06")  # the 63 provinces existed until 30 June 2025


def parse_name(path: Path) -> tuple[str, str, str] | None:
    """Return (regime, unit, period) from `<regime>__<unit>__<period>.<ext>`, else None."""
    m = _NAME.match(path.stem)
    return (m["regime"], m["unit"], m["period"]) if m else None


class TooManyRows(FeedError):
    """A report file longer than MAX_ROWS rows."""


def _csv_rows(fh: BinaryIO, name: str) -> Iterator[tuple[int, dict[str, str]]]:
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text, restkey=EXTRA)
    try:
        for n, row in enumerate(reader, start=2):
            short = any(v is None for v in row.values())  # fewer fields than the header: cut off
            out = {(k or "").strip(): (v or "").strip() if isinstance(v, str) else ""
                   for k, v in row.items() if k != EXTRA}
            if short or row.get(EXTRA):
                out[SHAPE] = "short" if short else "long"
            yield n, out
    except UnicodeDecodeError as exc:
        raise FeedError(f"{name}: not UTF-8 text (near row {reader.line_num + 1}); save it as "
                        "UTF-8 CSV") from exc
    finally:
        text.detach()  # the caller's file stays open


def _xlsx_rows(fh: BinaryIO, name: str) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:
        raise FeedError(f"{name}: not a readable XLSX workbook ({exc})") from exc
    try:
        if not book.worksheets:
            raise FeedError(f"{name}: the workbook has no sheet")
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
        for n, values in enumerate(rows, start=2):
            cells = zip(header, values, strict=False)
            yield n, {h: ("" if v is None else str(v).strip()) for h, v in cells if h}
    finally:
        book.close()


def read_number(text: str, decimal_mark: str = "") -> float:
    """A number as a report writes it, never guessed: `decimal_mark` "," (vi-VN: 41.234,5) or
    "." (en: 41,234.5) reads either convention; without it, a plain number, or a single comma
    that cannot be a thousands separator (41,5) as a decimal comma. `41,234` without a
    declared mark is ambiguous (41234 or 41.234) and refused."""
    raw, mark = text.strip(), decimal_mark.strip()
    if mark not in ("", ",", "."):
        raise ValueError(f"decimal_mark {decimal_mark!r} is not ',' or '.'")
    if mark == ",":
        raw = raw.replace(".", "").replace(" ", "").replace(",", ".")
    elif mark == ".":
        raw = raw.replace(",", "").replace(" ", "")
    elif re.fullmatch(r"[-+]?[0-9]{1,3}(,[0-9]{3})+", raw):
        raise ValueError(f"value {text!r} is ambiguous (thousands separator or decimal comma?): "
                         "add a decimal_mark column ',' or '.'")
    elif re.fullmatch(r"[-+]?[0-9]+,[0-9]+", raw):
        raw = raw.replace(",", ".")  # a decimal comma, as Vietnamese sheets write
    if not re.fullmatch(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?", raw):
        raise ValueError(f"value {text!r} is not a number")
    value = float(raw)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"value {text!r} is not a finite number")
    return value


def table_rows(fh: BinaryIO, name: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, row) from an open CSV or XLSX report, read as it goes (raises
    FeedError if unreadable, or past MAX_ROWS rows)."""
    rows = _xlsx_rows(fh, name) if name.lower().endswith(".xlsx") else _csv_rows(fh, name)
    for n, row in rows:
        if n > MAX_ROWS + 1:
            raise TooManyRows(f"{name}: more than {MAX_ROWS:,} rows; split the file")
        yield n, row


def read_table(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, row) from a CSV or XLSX report file (raises FeedError if unreadable)."""
    with path.open("rb") as fh:
        yield from table_rows(fh, path.name)


def scan_scope(fh: BinaryIO, name: str, allow: Callable[[str | None, str], bool]) -> None:
    """Before a report is kept or parsed: raise PermissionError at the first row (or the unit
    its name reports for) outside `allow`, FeedError past MAX_ROWS rows. Reads as it goes."""
    named = parse_name(Path(name))
    if named and not allow(None, named[1]):
        raise PermissionError(f"{name}: this caller may not report for unit {named[1]}")
    if not name.lower().endswith((".csv", ".xlsx")):
        return  # SDMX: checked row by row after parsing (ingest_file)
    tasks: bool | None = None
    for n, row in table_rows(fh, name):
        if tasks is None:
            tasks = TASK_COLUMNS <= set(row)
        ind, area = ((SCOPE_INDICATOR, row.get("issued_by") or "?") if tasks
                     else (row.get("indicator_code") or "?", _area(row)))
        if not allow(ind, area):
            raise PermissionError(f"row {n} is outside what this caller may write "
                                  f"({ind} / {area}); nothing of the file was kept")


def row_item(n: int, row: dict[str, str], catalogue: Catalogue, source: str,
              regime: Regime | None, now: str) -> Observation | Rejected:
    """Return the Observation of one row, or its rejection (kind `report_row`, replayable)."""
    item = _check_row(n, row, catalogue, source, regime, now)
    if isinstance(item, Rejected):
        return Rejected(item.reason, row, kind="report_row")
    return item


def _check_row(n: int, row: dict[str, str], catalogue: Catalogue, source: str,
               regime: Regime | None, now: str) -> Observation | Rejected:
    if row.get(SHAPE):
        return Rejected(f"row {n}: {'fewer' if row[SHAPE] == 'short' else 'more'} fields than "
                        "the header (a cut-off or mis-quoted row): nothing of it is stored", row)
    code = row.get("indicator_code", "")
    ind = catalogue.get(code)
    if ind is None:
        return Rejected(f"row {n}: indicator {code!r} is not in the catalogue", row)
    if regime and regime.indicators and code not in regime.indicators:
        return Rejected(f"row {n}: indicator {code} is not reported under {regime.id}", row)
    unit = row.get("unit", "")
    if not (ind.accepts_unit(unit) or unit in ind.convert_units):
        return Rejected(f"row {n}: wrong unit {unit!r} for {code} (catalogue: {ind.unit!r})",
                        row)
    try:
        value = read_number(row.get("value", ""), row.get("decimal_mark", ""))
    except ValueError as exc:
        return Rejected(f"row {n}: {exc}", row)
    raw_status = row.get("status", "").lower()
    if raw_status not in STATUS:
        return Rejected(f"row {n}: status {raw_status!r} is not estimate or revised", row)
    status, revision = STATUS[raw_status]
    value, unit = ind.to_own_unit(value, unit)
    label, group = row.get("breakdown_vi", ""), row.get("breakdown_group", "")
    dims = {} if not label or label in ind.headline else {"breakdown": label}
    if group and not (group == "total" and not dims):
        dims["breakdown_group"] = group
    try:
        return parse_observation({
            "indicator": code, "area": _area(row), "period": row.get("period"),
            "value": value, "unit": unit, "source": source, "observed_at": now,
            "status": status, "revision": revision, "dims": dims})
    except ObservationError as exc:
        return Rejected(f"row {n}: {exc}", row)


def _area(row: dict[str, str]) -> str:
    """Return the store's area of a row: `63-<code>` for a province on the 63 boundaries."""
    area = row.get("area_code") or "VN"
    if not _PROVINCE.match(area):
        return area
    edition = row.get("edition", "").strip()
    if edition == "34":
        return area
    if edition == "63":
        return area_63(area)
    try:
        ended_by_june_2025 = period_rank(row.get("period") or "") <= LAST_63_PERIOD
    except ValueError:  # a bad period: parse_observation says why
        return area
    return area_63(area) if ended_by_june_2025 else area


def rows_to_items(rows: Iterable[tuple[int, dict[str, str]]], catalogue: Catalogue, source: str,
                  regime: Regime | None = None, progress: Progress | None = None
                  ) -> Iterator[Observation | Rejected]:
    """Turn table rows into Observations or Rejected records, one per row."""
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    checked = False
    count = 0
    for n, row in rows:
        if not checked:
            needed = regime.columns if regime else ["indicator_code", "period", "value", "unit"]
            missing = [c for c in needed if c not in row]
            if missing:
                yield Rejected(f"header lacks columns {missing}", {"header": list(row)},
                               kind="file")
                return
            checked = True
        yield row_item(n, row, catalogue, source, regime, now)
        count += 1
        if progress and count % 5000 == 0:
            progress(count)
    if progress:
        progress(count)


def task_items(rows: Iterable[tuple[int, dict[str, str]]], agencies: dict[str, str],
               source: str) -> Iterator[Task | Rejected]:
    """Turn the rows of a task file into Tasks, or rejections with the row number and reason."""
    for n, row in rows:
        try:
            yield parse_task(row, agencies, source)
        except TaskError as exc:
            yield Rejected(f"row {n}: {exc}", row, kind="task")


@dataclass
class ImportResult:
    """What one file gave: its items and, for a regime, its submission record."""

    items: list[Observation | Rejected]
    submission: Submission | None
    rolled_up: int = 0

    @property
    def accepted(self) -> int:
        """Rows that became Observations (not counting the 34-unit values computed from them)."""
        return sum(isinstance(i, Observation | Task) for i in self.items) - self.rolled_up

    @property
    def quarantined(self) -> int:
        """Rows (or files) rejected with a reason."""
        return sum(isinstance(i, Rejected) for i in self.items)


def _read_items(path: Path, catalogue: Catalogue, source: str, regimes: RegimesConfig,
                regime: Regime | None, progress: Progress | None
                ) -> list[Observation | Rejected | Task]:
    """Every row of a file as an item (raises on a file that cannot be read to its end)."""
    if path.suffix.lower() == ".xml":
        from data_feeds.sdmx import read_sdmx

        return list(read_sdmx(path, catalogue, source))
    rows = read_table(path)
    first = next(rows, None)
    table = chain([first], rows) if first else iter(())
    if first and TASK_COLUMNS <= set(first[1]):
        return list(task_items(table, regimes.reporting_units, source))
    return list(rows_to_items(table, catalogue, source, regime, progress))


def import_file(path: Path, catalogue: Catalogue, source: str, regimes: RegimesConfig,
                regime_id: str | None = None, progress: Progress | None = None,
                population: Callable[[], Population] | None = None) -> ImportResult:
    """Read one report file; never raises for bad content (the whole file is then Rejected).

    63-edition province values are rolled up to the 34 units; `population()` supplies
    populations the file lacks for weighted means (the store's, on import).
    """
    named = parse_name(path)
    regime_id = regime_id or (named[0] if named else None)
    regime = regimes.get(regime_id) if regime_id else None
    items: list[Observation | Rejected] = []
    if regime_id and regime is None:
        items.append(Rejected(f"{path.name}: unknown reporting regime {regime_id!r}",
                              {"file": str(path)}, kind="file"))
    try:
        items += _read_items(path, catalogue, source, regimes, regime, progress)
    except FeedError as exc:
        items = [Rejected(str(exc), {"file": str(path)}, kind="file")]
    except Exception as exc:  # a malformed file, whatever broke: quarantined whole, never a crash
        items = [Rejected(f"{path.name}: unreadable ({type(exc).__name__}: {str(exc)[:300]}); "
                          "nothing of it is stored", {"file": str(path)}, kind="file")]
    if not items:
        items.append(Rejected(f"{path.name}: file has no rows", {"file": str(path)}))
    rolled = _rollups(items, catalogue, population)
    items += rolled
    submission = None
    if regime is not None and named is not None:
        good = [i for i in items if isinstance(i, Observation)]
        submission = Submission(regime=regime.id, unit=named[1], period=named[2],
                                file=path.name, accepted=len(good), rejected=len(items)
                                - len(good) - len(rolled))
    return ImportResult(items, submission, len(rolled))


def _rollups(items: list[Observation | Rejected], catalogue: Catalogue,
             population: Callable[[], Population] | None) -> list[Observation]:
    """Return the 34-unit values computed from the 63-edition province values among `items`."""
    old = [i for i in items if isinstance(i, Observation) and i.area.startswith("63-")]
    if not old:
        return []
    known: Population = {}
    needs_weights = any((ind := catalogue.get(o.indicator)) is not None
                        and ind.aggregation == "mean" for o in old)
    if needs_weights and population is not None:
        known = population()
    return rollup(old, catalogue, known)


def store_population(store: Store) -> Callable[[], Population]:
    """Return a loader of the 63-edition populations already in the store (POP_AVG by year)."""
    def load() -> Population:
        codes = [p["code"] for p in provinces_63()]
        found = store.series_many([(POPULATION, area_63(c), {}) for c in codes],
                                  store.history_cap)
        return {(c, o.period[:4]): o.value for c in codes
                for o in found[f"{POPULATION}:{area_63(c)}"] if o.value is not None}
    return load


def ingest_file(store: Store, settings: WallSettings, path: Path, source: str,
                regime_id: str | None = None, progress: Progress | None = None,
                allow: Callable[[str | None, str], bool] | None = None,
                scope: str = "") -> ImportResult:
    """Import one file into the store: rows stored, rejects quarantined, submission recorded.

    With `allow(indicator, area)` (a feed key's scope, a user's clearance), a file with any row
    outside it — stored, rejected or its reporting unit — stores, quarantines and records
    nothing and raises PermissionError. Rejects keep the key's `scope` for their replay.
    """
    result = import_file(path, settings.catalogue, source, settings.regimes, regime_id, progress,
                         store_population(store))
    if allow is not None:
        _check_scope(result, allow)
    deliver(store, source, [*result.items, *([result.submission] if result.submission else [])],
            settings=settings, scope=scope, uncounted=result.rolled_up)
    return result


def _check_scope(result: ImportResult, allow: Callable[[str | None, str], bool]) -> None:
    """Raise PermissionError if any row of the file, good or rejected, is outside `allow`."""
    unit = result.submission.unit if result.submission else "VN"
    named: list[tuple[str | None, str]] = [(i.indicator, i.area) for i in result.items
                                    if isinstance(i, Observation)]
    named += [(str(i.raw.get("indicator_code") or "?"), str(i.raw.get("area_code") or "VN"))
              for i in result.items if isinstance(i, Rejected) and i.kind == "report_row"]
    named += [(SCOPE_INDICATOR, i.issued_by) for i in result.items if isinstance(i, Task)]
    named += [(SCOPE_INDICATOR, str(i.raw.get("issued_by") or "?")) for i in result.items
              if isinstance(i, Rejected) and i.kind == "task"]
    if result.submission:
        named.append((None, unit))  # the reporting unit itself: a key reports for its own
    outside = [(ind, area) for ind, area in named if not allow(ind, area)]
    if outside:
        raise PermissionError(f"{len(outside)} rows are outside what this caller may write "
                              f"(first: {outside[0][0] or 'unit'} / {outside[0][1]})")


class DropSettings(BaseModel):
    """Where report files are dropped, and where they are kept after import."""

    folder: str
    keep_folder: str = ""


class ReportDropFeed(Feed):
    """Import every report file dropped into a folder, then keep it in `keep_folder`."""

    kind = "report_drop"
    Settings = DropSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.folder = Path(self.settings.folder)
        self.keep = Path(self.settings.keep_folder or self.folder / "imported")
        self._regimes = (self.wall or load_settings()).regimes
        self._done: list[Path] = []

    def poll(self) -> Iterable[Observation | Rejected | Submission]:
        """Import the files that arrived since the last poll."""
        if not self.folder.is_dir():
            raise FeedError(f"drop folder {self.folder} does not exist")
        self._done = []
        for path in sorted(self.folder.iterdir()):
            if path.suffix.lower() not in REPORT_SUFFIXES or not path.is_file():
                continue
            result = import_file(path, self.catalogue, self.id, self._regimes)
            yield from result.items
            if result.submission:
                yield result.submission
            self._done.append(path)

    def failed(self) -> None:
        """Not stored: the files stay in the folder for the next poll."""
        self._done = []

    def committed(self) -> None:
        """Move imported files aside only once their rows are stored (the file is kept)."""
        self.keep.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        for path in self._done:
            shutil.move(str(path), self.keep / f"{stamp}-{path.name}")
        self._done = []
