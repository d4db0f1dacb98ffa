"""Load and validate config/*.yaml at start-up; a bad file stops it with file, path, reason."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

__all__ = [
    "Catalogue",
    "ConfigError",
    "DataGroup",
    "Display",
    "FeedSpec",
    "FeedsConfig",
    "Indicator",
    "ScreenSpec",
    "Target",
    "WallConfig",
    "WallSettings",
    "Regime",
    "RegimesConfig",
    "load_settings",
    "parse_duration",
]

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
_DURATION = re.compile(r"^(\d+)\s*(s|m|h|d)$")


class ConfigError(Exception):
    """A config file that cannot be used: names the file, the path inside it and the reason."""


def parse_duration(text: str) -> timedelta:
    """Parse `90s`, `15m`, `6h` or `40d` into a timedelta."""
    m = _DURATION.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a duration like 90s, 15m, 6h or 40d")
    n, unit = int(m[1]), m[2]
    return {"s": timedelta(seconds=n), "m": timedelta(minutes=n), "h": timedelta(hours=n),
            "d": timedelta(days=n)}[unit]


def _valid_duration(text: str) -> str:
    parse_duration(text)
    return text


Duration = Annotated[str, AfterValidator(_valid_duration)]


# When a period's value is due after the period ends, unless the indicator says otherwise: GSO
# publishes a month's estimate around its last day, quarters with the quarter's last month's
# report, annual figures (and the World Bank's) within months.
RELEASE_LAG = {"M": timedelta(days=10), "Q": timedelta(days=45), "S": timedelta(days=60),
               "A": timedelta(days=200), "D": timedelta(days=1), "RT": timedelta(0)}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataGroup(_Model):
    """One of the 7 data groups of the National Reporting Information System."""

    id: int = Field(ge=1, le=7)
    name_vi: str
    name_en: str


class Target(_Model):
    """A target for one plan year: a point or a band (low–high), with its instrument."""

    year: int
    low: float
    high: float | None = None
    assignee: str = "VN"
    instrument: str = ""
    source_url: str = ""


class Display(_Model):
    """How a tile shows the raw value: value*scale+offset, decimals, unit label, sign."""

    scale: float = 1.0
    offset: float = 0.0
    decimals: int = Field(default=1, ge=0, le=4)
    unit_vi: str = ""
    unit_en: str = ""
    signed: bool = False


class UnitConversion(_Model):
    """An exact conversion into the indicator's unit: value*scale+offset."""

    scale: float = 1.0
    offset: float = 0.0


class Indicator(_Model):
    """One catalogued indicator: the only place feeds and tiles meet."""

    code: str
    name_vi: str
    name_en: str
    short_vi: str = ""
    short_en: str = ""
    group: int = Field(ge=1, le=7)
    unit: str
    alt_units: list[str] = Field(default_factory=list)
    convert_units: dict[str, UnitConversion] = Field(default_factory=dict)
    frequency: Literal["M", "Q", "S", "A", "D", "RT"]
    owner: str
    polarity: Literal["up", "down", "neutral"] = "neutral"
    aggregation: Literal["sum", "mean", "none"] = "none"
    stale_after: Duration = "40d"
    classification: Literal["public", "internal", "restricted"] = "public"
    headline: list[str] = Field(default_factory=list)
    display: Display = Display()
    targets: list[Target] = Field(default_factory=list)
    derived: str = ""
    release_lag: Duration | None = None
    on_group_panel: bool = True

    def lag(self) -> timedelta:
        """How long after a period ends its value is due (`release_lag`, else by frequency)."""
        if self.release_lag:
            return parse_duration(self.release_lag)
        return RELEASE_LAG[self.frequency]


    def accepts_unit(self, unit: str) -> bool:
        """Whether a record in `unit` may be stored under this indicator."""
        return unit == self.unit or unit in self.alt_units

    def to_own_unit(self, value: float, unit: str) -> tuple[float, str]:
        """Return (value, unit) converted by `convert_units`, or unchanged."""
        conv = self.convert_units.get(unit)
        if conv is None:
            return value, unit
        return round(value * conv.scale + conv.offset, 10), self.unit

    def target_for(self, year: int, assignee: str = "VN") -> Target | None:
        """Return the target for a plan year and assignee, if any."""
        for t in self.targets:
            if t.year == year and t.assignee == assignee:
                return t
        return None


class IndicatorFile(_Model):
    """More indicators (config/catalogue.d/*.yaml), merged into the catalogue."""

    api_version: Literal[1] = Field(alias="apiVersion")
    indicators: list[Indicator]


class Catalogue(_Model):
    """Groups and indicators (config/catalogue.yaml plus config/catalogue.d/*.yaml)."""

    api_version: Literal[1] = Field(alias="apiVersion")
    groups: list[DataGroup]
    _by_code: dict[str, Indicator] = PrivateAttr(default_factory=dict)
    indicators: list[Indicator]

    @model_validator(mode="after")
    def _unique(self) -> Catalogue:
        codes = [i.code for i in self.indicators]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"indicator codes repeated: {', '.join(dupes)}")
        group_ids = {g.id for g in self.groups}
        for i in self.indicators:
            if i.group not in group_ids:
                raise ValueError(f"indicator {i.code} names unknown group {i.group}")
        return self

    def model_post_init(self, __context: Any) -> None:
        self._by_code.update({i.code: i for i in self.indicators})

    def get(self, code: str) -> Indicator | None:
        """Return the indicator with this code, or None."""
        return self._by_code.get(code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code


class FeedSpec(_Model):
    """One configured source: id, kind, owner agency and the kind's settings."""

    id: str
    kind: str
    owner: str = ""
    name_vi: str = ""
    simulated: bool = False
    provides: list[str] = Field(default_factory=list)
    interval: Duration = "60s"
    settings: dict[str, Any] = Field(default_factory=dict)



class FeedsConfig(_Model):
    """Configured feeds (config/feeds.yaml)."""

    api_version: Literal[1] = Field(alias="apiVersion")
    feeds: list[FeedSpec]


class ScreenSpec(_Model):
    """One physical screen of the wall."""

    id: str
    panel: str
    width: int = 3840
    height: int = 2160
    scale: float = 1.0
    row: int = 0
    col: int = 0
    clearance: Literal["public", "internal", "restricted"] = "internal"


class Playlist(_Model):
    """Panels a screen rotates through: listed, or every panel carrying `tag`."""

    id: str
    name_vi: str
    panels: list[str] = Field(default_factory=list)
    tag: str = ""
    interval: Duration = "60s"



class WallConfig(_Model):
    """The wall's screens and playlists (config/wall.yaml)."""

    api_version: Literal[1] = Field(alias="apiVersion")
    title_vi: str
    title_en: str
    timezone: Literal["Asia/Ho_Chi_Minh"] = "Asia/Ho_Chi_Minh"
    screens: list[ScreenSpec]
    playlists: list[Playlist] = Field(default_factory=list)


class Regime(_Model):
    """A reporting regime (chế độ báo cáo): template, periodicity, due day, reporting units."""

    id: str
    name_vi: str
    name_en: str
    periodicity: Literal["M", "Q", "S", "A"]
    due_day: int = Field(default=20, ge=1, le=28)
    columns: list[str] = Field(default_factory=lambda: ["indicator_code", "period", "value",
                                                        "unit"])
    indicators: list[str] = Field(default_factory=list)
    units: list[str]


class RegimesConfig(_Model):
    """Reporting units and regimes (config/regimes.yaml)."""

    api_version: Literal[1] = Field(alias="apiVersion")
    reporting_units: dict[str, str]
    regimes: list[Regime]

    @model_validator(mode="after")
    def _known_units(self) -> RegimesConfig:
        for r in self.regimes:
            unknown = [u for u in r.units if u not in self.reporting_units]
            if unknown:
                raise ValueError(f"regime {r.id} names unknown reporting units {unknown}")
        return self

    def get(self, regime_id: str) -> Regime | None:
        """Return the regime with this id, or None."""
        return next((r for r in self.regimes if r.id == regime_id), None)


class WallSettings(_Model):
    """All validated config of one wall."""

    catalogue: Catalogue
    feeds: FeedsConfig
    wall: WallConfig
    regimes: RegimesConfig

    def simulated_sources(self) -> frozenset[str]:
        """Ids of the feeds whose values are invented stand-ins (`simulated: true`)."""
        return frozenset(f.id for f in self.feeds.feeds if f.simulated)

    def simulated_indicators(self) -> frozenset[str]:
        """Indicators that only simulated feeds declare they provide (before any value arrives)."""
        real = {c for f in self.feeds.feeds if not f.simulated for c in f.provides}
        return frozenset(c for f in self.feeds.feeds if f.simulated for c in f.provides) - real


def _location(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _load(path: Path, model: type[_Model]) -> Any:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if isinstance(raw, dict):  # top-level `x-…` keys hold YAML anchors only
        raw = {k: v for k, v in raw.items() if not str(k).startswith("x-")}
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{path}: {_location(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ConfigError("\n".join(lines)) from exc


def _catalogue(folder: Path) -> Catalogue:
    main = _load(folder / "catalogue.yaml", Catalogue)
    extra = [i for path in sorted((folder / "catalogue.d").glob("*.yaml"))
             for i in _load(path, IndicatorFile).indicators]
    if not extra:
        return main
    try:
        return Catalogue.model_validate({"apiVersion": 1, "groups": main.groups,
                                         "indicators": [*main.indicators, *extra]})
    except ValidationError as exc:
        lines = [f"{folder / 'catalogue.d'}: {_location(e['loc'])}: {e['msg']}"
                 for e in exc.errors()]
        raise ConfigError("\n".join(lines)) from exc


def load_settings(config_dir: Path | str | None = None) -> WallSettings:
    """Load catalogue.yaml (+ catalogue.d/), feeds.yaml and wall.yaml (raises ConfigError)."""
    folder = Path(config_dir) if config_dir else CONFIG_DIR
    return WallSettings(
        catalogue=_catalogue(folder),
        feeds=_load(folder / "feeds.yaml", FeedsConfig),
        wall=_load(folder / "wall.yaml", WallConfig),
        regimes=_load(folder / "regimes.yaml", RegimesConfig),
    )
