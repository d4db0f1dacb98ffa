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


TargetKind = Literal["range", "at_least", "at_most", "about"]


class Target(_Model):
    """A target for one plan year: a point or a band (low–high), with its instrument."""

    year: int
    low: float
    high: float | None = None
    kind: TargetKind = "range"
    assignee: str = "VN"
    instrument: str = ""
    source_url: str = ""
    adopted: str = ""


class Measure(_Model):
    """How a target's figure is computed from stored series, in the target's unit.

    `year_end`: the series' value at the year's last period (CPI's year-to-date average in
    December), times `scale` plus `offset`. `growth_of_sum`: the year's periods summed against
    the previous year's, in percent (annual GDP growth from quarterly GDP). `share_of_sums`: the
    year's sum of `series` as a percentage of the year's sum of `of`.
    """

    kind: Literal["year_end", "growth_of_sum", "share_of_sums"]
    series: str
    of: str = ""
    area: str = "VN"
    dims: dict[str, str] = Field(default_factory=dict)
    scale: float = 1.0
    offset: float = 0.0


class PlanTarget(_Model):
    """One target a plan sets (config/targets.yaml): what, how much, by whom, since when."""

    id: str
    year: int
    name_vi: str
    name_en: str
    indicator: str
    kind: TargetKind
    low: float | None = None
    high: float | None = None
    band: float = 0.0
    unit: str
    assignee: str = "VN"
    assignee_vi: str = "Chính phủ"
    instrument: str
    adopted: str
    source_url: str = ""
    supersedes: str = ""
    example: bool = False
    measure: Measure | None = None
    note: str = ""

    @model_validator(mode="after")
    def _bounds(self) -> PlanTarget:
        if self.low is None and self.high is None:
            raise ValueError(f"target {self.id}: give low, high or both")
        if self.kind == "at_least" and self.low is None:
            raise ValueError(f"target {self.id}: at_least needs low")
        if self.kind == "at_most" and self.high is None:
            raise ValueError(f"target {self.id}: at_most needs high")
        if self.measure and self.measure.kind == "share_of_sums" and not self.measure.of:
            raise ValueError(f"target {self.id}: share_of_sums needs `of`")
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", self.adopted):
            raise ValueError(f"target {self.id}: adopted must be YYYY-MM-DD")
        return self

    def as_tile_target(self) -> Target | None:
        """This target in its indicator's own unit, for tiles (None if it has no such form)."""
        m = self.measure
        if m is None or m.kind != "year_end":  # the indicator is the year's figure itself
            m = Measure(kind="year_end", series=self.indicator)
        if m.series != self.indicator or m.scale == 0:
            return None

        def own(v: float | None) -> float | None:
            return None if v is None else (v - m.offset) / m.scale

        low = own(self.low if self.low is not None else self.high)
        assert low is not None
        return Target(year=self.year, low=low, high=own(self.high), kind=self.kind,
                      assignee=self.assignee, instrument=self.instrument,
                      source_url=self.source_url, adopted=self.adopted)


Severity = Literal["info", "warning", "critical"]


class ThresholdRule(_Model):
    """A static bound on an indicator (config/alerts.yaml): above and/or below, in its unit."""

    id: str
    kind: Literal["threshold"] = "threshold"
    indicator: str
    area: str = "VN"  # "*": every area
    above: float | None = None
    below: float | None = None
    clear_margin: float = 0.0  # hysteresis: clears once back inside by this much
    severity: Severity = "warning"
    message_vi: str = ""

    @model_validator(mode="after")
    def _a_bound(self) -> ThresholdRule:
        if self.above is None and self.below is None:
            raise ValueError(f"rule {self.id}: give above, below or both")
        return self


class AnomalySettings(_Model):
    """The anomaly rule, on for every indicator unless excluded."""

    enabled: bool = True
    deviations: float = Field(default=4.0, gt=0)
    clear_deviations: float = Field(default=3.0, gt=0)
    exclude: list[str] = Field(default_factory=list)


class CheckSettings(_Model):
    """A rule the engine checks on a clock (not per observation): on or off, and its severity."""

    enabled: bool = True
    severity: Severity = "warning"
    every: Duration = "30s"


class SourceDownSettings(CheckSettings):
    """A feed failing `failures` polls in a row or silent for three cadences; a camera or
    bridge point reporting offline for `device_minutes`."""

    severity: Severity = "critical"
    every: Duration = "5s"
    failures: int = Field(default=3, ge=1)
    device_minutes: float = Field(default=2.0, ge=0)


class StaleSettings(CheckSettings):
    """A due period missing past the indicator's release lag (one alert per owning agency)."""

    severity: Severity = "info"
    exclude: list[str] = Field(default_factory=list)


class QuarantineSurgeSettings(CheckSettings):
    """More than `count` records quarantined within `minutes`; clears under half of it."""

    count: int = Field(default=100, ge=1)
    minutes: float = Field(default=5.0, gt=0)
    every: Duration = "10s"


class TargetSlipSettings(CheckSettings):
    """A target's status turning at_risk (`severity`) or off_track (`off_track_severity`)."""

    off_track_severity: Severity = "critical"
    every: Duration = "60s"


class AlertsConfig(_Model):
    """Alert rules (config/alerts.yaml), checked against the catalogue at start-up."""

    api_version: Literal[1] = Field(alias="apiVersion")
    anomaly: AnomalySettings = AnomalySettings()
    rules: list[ThresholdRule] = Field(default_factory=list)
    source_down: SourceDownSettings = SourceDownSettings()
    stale: StaleSettings = StaleSettings()
    report_late: CheckSettings = CheckSettings()
    quarantine_surge: QuarantineSurgeSettings = QuarantineSurgeSettings()
    target: TargetSlipSettings = TargetSlipSettings()
    task_overdue: CheckSettings = CheckSettings()

    @model_validator(mode="after")
    def _unique(self) -> AlertsConfig:
        ids = [r.id for r in self.rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"alert rule ids repeated: {', '.join(dupes)}")
        return self


class TargetsConfig(_Model):
    """Plan targets (config/targets.yaml), checked against the catalogue at start-up."""

    api_version: Literal[1] = Field(alias="apiVersion")
    targets: list[PlanTarget]

    @model_validator(mode="after")
    def _unique(self) -> TargetsConfig:
        ids = [t.id for t in self.targets]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"target ids repeated: {', '.join(dupes)}")
        for t in self.targets:
            if t.supersedes and t.supersedes not in ids:
                raise ValueError(f"target {t.id} supersedes unknown target {t.supersedes}")
        return self

    def superseded_by(self) -> dict[str, PlanTarget]:
        """Each superseded target's id mapped to the target that replaced it."""
        return {t.supersedes: t for t in self.targets if t.supersedes}


class Display(_Model):
    """How a tile shows the raw value: value*scale+offset, decimals, unit label, sign."""

    scale: float = 1.0
    offset: float = 0.0
    decimals: int = Field(default=1, ge=0, le=4)
    unit_vi: str = ""
    unit_en: str = ""
    signed: bool = False

    def format(self, value: float) -> str:
        """The value as a tile prints it (vi-VN, scaled, signed): wall.js `formatValue`."""
        from wall.locale import format_number

        shown = value * self.scale + self.offset
        text = format_number(shown, self.decimals)
        return "+" + text if self.signed and shown > 0 else text


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
        """Return the target in force for a plan year and assignee (the latest adopted)."""
        found = [t for t in self.targets if t.year == year and t.assignee == assignee]
        return max(found, key=lambda t: t.adopted) if found else None


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
    targets: TargetsConfig = Field(default_factory=lambda: TargetsConfig(apiVersion=1,
                                                                         targets=[]))
    alerts: AlertsConfig = Field(default_factory=lambda: AlertsConfig(apiVersion=1))

    @model_validator(mode="after")
    def _alerts_name_catalogued_indicators(self) -> WallSettings:
        named = [r.indicator for r in self.alerts.rules] + self.alerts.anomaly.exclude + \
            self.alerts.stale.exclude
        unknown = sorted({c for c in named if c not in self.catalogue})
        if unknown:
            raise ValueError(f"alerts name indicators not in the catalogue: {', '.join(unknown)}")
        return self

    @model_validator(mode="after")
    def _targets_name_catalogued_series(self) -> WallSettings:
        for t in self.targets.targets:
            series = [t.indicator] + ([t.measure.series, t.measure.of] if t.measure else [])
            unknown = [c for c in series if c and c not in self.catalogue]
            if unknown:
                raise ValueError(f"target {t.id} names indicators not in the catalogue: "
                                 f"{', '.join(unknown)}")
        return self

    def model_post_init(self, __context: Any) -> None:
        # tiles show targets from targets.yaml, in their indicator's own unit, oldest first
        for t in sorted(self.targets.targets, key=lambda t: t.adopted):
            tile = t.as_tile_target()
            ind = self.catalogue.get(t.indicator)
            if tile is not None and ind is not None and tile not in ind.targets:
                ind.targets.append(tile)

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
    """Load catalogue.yaml (+ catalogue.d/), feeds, wall, regimes and targets (raises
    ConfigError)."""
    folder = Path(config_dir) if config_dir else CONFIG_DIR
    catalogue = _catalogue(folder)
    targets = (_load(folder / "targets.yaml", TargetsConfig) if (folder / "targets.yaml").exists()
               else TargetsConfig(apiVersion=1, targets=[]))
    alerts = (_load(folder / "alerts.yaml", AlertsConfig) if (folder / "alerts.yaml").exists()
              else AlertsConfig(apiVersion=1))
    try:
        return WallSettings(
            catalogue=catalogue,
            feeds=_load(folder / "feeds.yaml", FeedsConfig),
            wall=_load(folder / "wall.yaml", WallConfig),
            regimes=_load(folder / "regimes.yaml", RegimesConfig),
            targets=targets,
            alerts=alerts,
        )
    except ValidationError as exc:
        raise ConfigError("\n".join(f"{folder}: targets.yaml or alerts.yaml: {e['msg']}"
                                     for e in exc.errors())) from exc
