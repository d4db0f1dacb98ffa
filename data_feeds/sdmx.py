"""SDMX-ML 2.1 structure-specific data files, as Vietnam's National Summary Data Page publishes.

Each `<Series>` carries `DATA_DOMAIN`, `REF_AREA`, `INDICATOR`, `COUNTERPART_AREA`, `FREQ`,
`UNIT_MULT` (and `BASE_PER`); each `<Obs>` carries `TIME_PERIOD` and `OBS_VALUE`. No structure
definition is needed or fetched: the attribute names above are read as they are. A series goes
to the catalogue indicator named in `series_map` (by its INDICATOR, or by its full key
`DATA_DOMAIN.REF_AREA.INDICATOR.COUNTERPART_AREA.FREQ`), else to the catalogue indicator whose
code is its INDICATOR, else every observation of it is Rejected. Example `config/feeds.yaml`::

    - id: nsdp-sdmx
      kind: sdmx
      owner: "GSO / Ngân hàng Nhà nước / Bộ Tài chính (NSDP)"
      interval: 15m
      settings:
        path: /srv/nsdp/sdmx          # a file, or a folder of *.xml files
        series_map: {PCPI_IX: PCPI_IX, "CPI.VN.PCPICO_PC_PP_PT._Z.M": PCPICO_PC_PP_PT}

A file that is not well-formed, or not SDMX structure-specific data, is one Rejected record (and
none of its observations); the other files are still read. Each file is read again only when its
modification time or size changes, once what it gave is stored (`committed`).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree
from pydantic import BaseModel, Field

from data_feeds.base import Feed, FeedError, Rejected
from wall.config import Catalogue
from wall.observation import Observation, ObservationError, parse_observation

__all__ = ["SdmxFeed", "SdmxSettings", "catalogue_multiplier", "normalise_period", "read_sdmx"]

SDMX_NS_PREFIX = "http://www.sdmx.org/resources/sdmxml/schemas/"
KEY_PARTS = ("DATA_DOMAIN", "REF_AREA", "INDICATOR", "COUNTERPART_AREA", "FREQ")
UNIT_WORDS = {"thousand": 3, "million": 6, "billion": 9, "nghìn": 3, "triệu": 6, "tỷ": 9}
AREAS = {"VN": "VN"}
NO_COUNTERPART = {"", "_Z"}
REJECT_OBS = "sdmx_obs"
REJECT_FILE = "sdmx_file"

_POWER = re.compile(r"x\s*10\^(-?\d+)")
_WORD = re.compile(r"\w+")
_PERIODS: dict[str, tuple[re.Pattern[str], str]] = {
    "M": (re.compile(r"^(\d{4})-?M?(0[1-9]|1[0-2])$"), "{0}-{1}"),
    "Q": (re.compile(r"^(\d{4})-?Q([1-4])$"), "{0}-Q{1}"),
    "S": (re.compile(r"^(\d{4})-?S([12])$"), "{0}-S{1}"),
    "A": (re.compile(r"^(\d{4})(?:-?A1)?$"), "{0}"),
}


class SdmxSettings(BaseModel):
    """Where the SDMX-ML files are, and how their series meet the catalogue."""

    path: str
    series_map: dict[str, str] = Field(default_factory=dict)
    scale_to_catalogue: bool = True


def catalogue_multiplier(unit: str) -> int:
    """Return the power of ten a catalogue unit counts in (`billion VND` → 9, `x10^3` → 3)."""
    text = unit.lower()
    if m := _POWER.search(text):
        return int(m[1])
    return next((UNIT_WORDS[w] for w in _WORD.findall(text) if w in UNIT_WORDS), 0)


def normalise_period(text: str, freq: str | None) -> str:
    """Return the wall's period form of an SDMX TIME_PERIOD (`2024-M10` → `2024-10`).

    Without a FREQ the form decides; with one, the period must be of that frequency
    (raises ValueError otherwise).
    """
    value = text.strip().upper()
    freqs = [freq] if freq else list(_PERIODS)
    if freq and freq not in _PERIODS:
        raise ValueError(f"frequency {freq!r} is not one of {', '.join(_PERIODS)}")
    for f in freqs:
        pattern, form = _PERIODS[f]
        if m := pattern.match(value):
            return form.format(*m.groups())
    expected = f"a FREQ {freq} period" if freq else "YYYY-MM, YYYY-Qn, YYYY-Sn or YYYY"
    raise ValueError(f"TIME_PERIOD {text!r} is not {expected}")


@dataclass(frozen=True, slots=True)
class _Plan:
    """What every observation of one series shares: where it goes and how it is scaled."""

    indicator: str
    area: str
    unit: str
    shift: int
    freq: str | None
    dims: dict[str, str]


def _series_key(attrs: Mapping[str, str]) -> str:
    return ".".join(attrs.get(k, "") for k in KEY_PARTS)


class _Reader:
    """Reads SDMX-ML files into items for one source, with one catalogue and series map."""

    def __init__(self, catalogue: Catalogue, source_id: str,
                 series_map: Mapping[str, str] | None = None,
                 scale_to_catalogue: bool = True) -> None:
        self.catalogue = catalogue
        self.source = source_id
        self.series_map = dict(series_map or {})
        self.scale = scale_to_catalogue
        self._plans: dict[tuple[str, ...], _Plan | str] = {}

    # -- one series -------------------------------------------------------------------------
    def plan(self, attrs: Mapping[str, str]) -> _Plan | str:
        """Return the series' plan, or the reason none of its observations can be stored."""
        cache_key = tuple(attrs.get(k, "") for k in (*KEY_PARTS, "UNIT_MULT"))
        if cache_key not in self._plans:
            self._plans[cache_key] = self._make_plan(attrs)
        return self._plans[cache_key]

    def _make_plan(self, attrs: Mapping[str, str]) -> _Plan | str:
        key, series = _series_key(attrs), attrs.get("INDICATOR", "")
        code = self.series_map.get(key) or self.series_map.get(series)
        if code is not None:
            ind = self.catalogue.get(code)
            if ind is None:
                return f"series {key} is mapped to {code!r}, which is not in the catalogue"
        else:
            ind = self.catalogue.get(series) if series else None
            if ind is None:
                return f"series {key} not mapped to a catalogue indicator"
        ref_area = attrs.get("REF_AREA", "")
        if ref_area not in AREAS:
            return f"series {key}: REF_AREA {ref_area!r} is not Viet Nam (VN)"
        freq = attrs.get("FREQ") or None
        if freq is not None and freq not in _PERIODS:
            return f"series {key}: FREQ {freq!r} is not one of {', '.join(_PERIODS)}"
        mult_text = attrs.get("UNIT_MULT", "").strip() or "0"
        try:
            mult = int(mult_text)
        except ValueError:
            return f"series {key}: UNIT_MULT {mult_text!r} is not an integer"
        shift = mult - catalogue_multiplier(ind.unit) if self.scale else 0
        counterpart = attrs.get("COUNTERPART_AREA", "").strip()
        dims = {} if counterpart in NO_COUNTERPART else {"counterpart": counterpart}
        return _Plan(ind.code, AREAS[ref_area], ind.unit, shift, freq, dims)

    # -- one observation --------------------------------------------------------------------
    def item(self, attrs: Mapping[str, str], raw: dict[str, str], now: str,
             label: str) -> Observation | Rejected:
        """Return the Observation of one `<Obs>` (attrs: dataset, series and obs merged)."""
        plan = self.plan(attrs)
        if isinstance(plan, str):
            return Rejected(f"{label}: {plan}", raw, kind=REJECT_OBS)
        where = f"{label}: series {_series_key(attrs)}"
        text = attrs.get("OBS_VALUE")
        if text is None or not text.strip():
            return Rejected(f"{where}: OBS_VALUE is missing", raw, kind=REJECT_OBS)
        try:
            value = float(text)
            if not math.isfinite(value):
                raise ValueError(text)
            if plan.shift:
                value = float(Decimal(text.strip()).scaleb(plan.shift))
        except (ValueError, InvalidOperation, OverflowError):
            return Rejected(f"{where}: OBS_VALUE {text!r} is not a number", raw,
                            kind=REJECT_OBS)
        try:
            period = normalise_period(attrs.get("TIME_PERIOD", ""), plan.freq)
            return parse_observation({
                "indicator": plan.indicator, "area": plan.area, "period": period,
                "value": value, "unit": plan.unit, "source": self.source, "observed_at": now,
                "status": "ok", "dims": plan.dims})
        except (ValueError, ObservationError) as exc:
            return Rejected(f"{where}: {exc}", raw, kind=REJECT_OBS)

    # -- one file ---------------------------------------------------------------------------
    def read_file(self, path: Path) -> list[Observation | Rejected]:
        """Return the items of one file: its observations, or one Rejected for the file."""
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        try:
            items, count = self._parse(path, now)
        except etree.LxmlError as exc:
            return [_file_rejected(path, f"not well-formed XML ({exc})")]
        except _NotSdmx as exc:
            return [_file_rejected(path, str(exc))]
        except (OSError, ValueError, LookupError) as exc:
            return [_file_rejected(path, f"cannot be read ({type(exc).__name__}: {exc})")]
        if count == 0:
            return [_file_rejected(path, "holds no observations")]
        return items

    def _parse(self, path: Path, now: str) -> tuple[list[Observation | Rejected], int]:
        items: list[Observation | Rejected] = []
        count = 0
        dataset: dict[str, str] = {}
        series: dict[str, str] = {}
        with path.open("rb") as fh:
            events = etree.iterparse(fh, events=("start", "end"), resolve_entities=False,
                                     no_network=True, load_dtd=False, huge_tree=False,
                                     remove_comments=True, remove_pis=True)
            for n, (event, elem) in enumerate(events):
                name = etree.QName(elem).localname
                if n == 0:
                    _check_root(elem)
                if event == "start":
                    if name == "DataSet":
                        dataset = _plain(elem.attrib)
                        if dataset.get("action", "").lower() == "delete":
                            raise _NotSdmx("is a deletion message (DataSet action Delete)")
                    elif name == "Series":
                        series = _plain(elem.attrib)
                    continue
                if name == "DataSetAction" and (elem.text or "").strip().lower() == "delete":
                    raise _NotSdmx("is a deletion message (DataSetAction Delete)")
                if name == "Obs":
                    obs = _plain(elem.attrib)
                    in_series = etree.QName(elem.getparent()).localname == "Series"
                    own = series if in_series else {}
                    raw = {**own, **obs}
                    items.append(self.item({**dataset, **raw}, raw, now, path.name))
                    count += 1
                    _free(elem)
                elif name == "Series":
                    series = {}
                    _free(elem)
                elif name == "DataSet":
                    dataset = {}
                    _free(elem)
        return items, count

    def read(self, path: Path) -> list[Observation | Rejected]:
        """Return the items of a file, or of every *.xml file in a folder (FeedError if none)."""
        return [item for f in xml_files(path) for item in self.read_file(f)]


class _NotSdmx(Exception):
    """A well-formed XML file that is not SDMX-ML structure-specific data."""


def _check_root(elem: Any) -> None:
    qname = etree.QName(elem)
    if qname.localname != "StructureSpecificData" or not (qname.namespace or "").startswith(
            SDMX_NS_PREFIX):
        raise _NotSdmx(f"is not SDMX-ML structure-specific data (root element "
                       f"{qname.localname!r} in namespace {qname.namespace!r})")


def _plain(attrib: Mapping[str, str]) -> dict[str, str]:
    """Return the element's unqualified attributes (the DSD's components), by name."""
    return {str(k): str(v) for k, v in attrib.items() if not str(k).startswith("{")}


def _free(elem: Any) -> None:
    """Drop a handled element and its handled elder siblings, so big files stream."""
    elem.clear(keep_tail=True)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


def _file_rejected(path: Path, reason: str) -> Rejected:
    return Rejected(f"{path.name}: {reason}", {"file": str(path)}, kind=REJECT_FILE)


def xml_files(path: Path) -> list[Path]:
    """Return the file itself, or the *.xml files of a folder (raises FeedError if missing)."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix.lower() == ".xml" and p.is_file())
    if path.is_file():
        return [path]
    raise FeedError(f"SDMX path {path} does not exist")


def read_sdmx(path: Path | str, catalogue: Catalogue, source_id: str,
              series_map: Mapping[str, str] | None = None, *,
              scale_to_catalogue: bool = True) -> list[Observation | Rejected]:
    """Read an SDMX-ML file (or every *.xml in a folder) into Observations and Rejected items."""
    reader = _Reader(catalogue, source_id, series_map, scale_to_catalogue)
    return reader.read(Path(path))


class SdmxFeed(Feed):
    """SDMX-ML 2.1 structure-specific files: each file is read again only when it changes."""

    kind = "sdmx"
    Settings = SdmxSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.path = Path(os.path.expandvars(os.path.expanduser(self.settings.path)))
        self._reader = _Reader(self.catalogue, self.id, self.settings.series_map,
                               self.settings.scale_to_catalogue)
        self._seen: dict[Path, tuple[int, int]] = {}
        self._pending: dict[Path, tuple[int, int]] = {}
        self._listed: set[Path] | None = None

    def poll(self) -> Iterable[Observation | Rejected]:
        """Read the files that are new or changed since the last stored poll."""
        files = xml_files(self.path)
        self._listed, self._pending = set(files), {}
        return list(self._changed(files))

    def _changed(self, files: list[Path]) -> Iterator[Observation | Rejected]:
        for path in files:
            try:
                st = path.stat()
            except OSError:  # removed between listing and reading
                continue
            mark = (st.st_mtime_ns, st.st_size)
            if self._seen.get(path) == mark:
                continue
            yield from self._reader.read_file(path)
            self._pending[path] = mark

    def committed(self) -> None:
        """Remember the files just read (by mtime and size) once their items are stored."""
        if self._listed is not None:
            self._seen = {p: m for p, m in self._seen.items() if p in self._listed}
        self._seen.update(self._pending)
        self._pending = {}
