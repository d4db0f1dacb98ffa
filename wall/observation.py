"""The one record that crosses Redis and the socket: an Observation (standard library only)."""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta
from json.encoder import encode_basestring as _quote  # C: a JSON string, non-ASCII kept
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "STATUSES",
    "Observation",
    "ObservationError",
    "parse_observation",
    "period_rank",
    "series_key",
    "stored_dict",
]

STATUSES = ("ok", "provisional", "revised", "error")

# ASCII only, whole string (\Z: a trailing newline is not allowed, as `$` would let it be)
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\- ]{0,78}[A-Za-z0-9_.]\Z|^[A-Za-z0-9]\Z", re.A)
_SOURCE = re.compile(r"^[A-Za-z0-9][\w.\-:@/ ]{0,119}\Z", re.A)
_AREA = re.compile(r"^(VN|[0-9]{2}|[A-Z0-9_\-]{1,20})\Z", re.A)
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])\Z", re.A)
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])\Z", re.A)
_HALF = re.compile(r"^(\d{4})-S([12])\Z", re.A)
_YEAR = re.compile(r"^(\d{4})\Z", re.A)
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})\Z", re.A)
VN = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_UNIT, MAX_DIMS, MAX_DIM_KEY, MAX_DIM_VALUE = 60, 8, 40, 200
MAX_REVISION = 10**9
EARLY = timedelta(days=1)  # how far ahead of the clock a period may begin (clocks differ)


class ObservationError(ValueError):
    """A record that cannot be an Observation; says which field and why."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


def period_rank(period: str) -> float:
    """Return a number that orders periods of any form by their end (later period, larger rank)."""
    if m := _MONTH.match(period):
        return int(m[1]) * 10000 + int(m[2]) * 100 + 99
    if m := _QUARTER.match(period):
        return int(m[1]) * 10000 + int(m[2]) * 300 + 99
    if m := _HALF.match(period):
        return int(m[1]) * 10000 + int(m[2]) * 600 + 99
    if m := _YEAR.match(period):
        return int(m[1]) * 10000 + 1299 + 0.5
    if m := _DAY.match(period):
        return int(m[1]) * 10000 + int(m[2]) * 100 + int(m[3])
    instant = _parse_time(period, "period")
    return float(instant.strftime("%Y%m%d")) + (instant.hour * 3600 + instant.minute * 60
                                                + instant.second) / 86400.0


def series_key(indicator: str, area: str, dims: dict[str, str] | None = None) -> str:
    """Return the series key: indicator, area and sorted dims (`k=v` joined by `|`)."""
    base = f"{indicator}:{area}"
    if not dims:
        return base
    return base + ":" + "|".join(f"{k}={dims[k]}" for k in sorted(dims))


def _parse_time(value: Any, name: str) -> datetime:
    if not isinstance(value, str) or not value:
        raise ObservationError(name, "must be an ISO 8601 time string with a UTC offset")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ObservationError(name, f"not an ISO 8601 time: {value!r}") from exc
    if parsed.tzinfo is None:
        raise ObservationError(name, f"time {value!r} has no UTC offset")
    return parsed


def _check_period(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ObservationError("period", "must be a string like 2026-10, 2026-Q3, 2026 or a time")
    if _MONTH.match(value):  # the most common first
        return value
    if m := _DAY.match(value):
        try:
            date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError as exc:
            raise ObservationError("period", f"{value!r} is not a calendar date") from exc
        return value
    if any(p.match(value) for p in (_MONTH, _QUARTER, _HALF, _YEAR)):
        return value
    if not value.isascii():
        raise ObservationError("period", f"{value!r} has characters not allowed")
    try:
        _parse_time(value, "period")
    except ObservationError as exc:
        raise ObservationError(
            "period", f"{value!r} is not YYYY-MM, YYYY-Qn, YYYY-Sn, YYYY or an ISO time"
        ) from exc
    return value


def period_start(period: str) -> datetime:
    """When a period begins (calendar periods in Asia/Ho_Chi_Minh)."""
    for pattern, months in ((_MONTH, 1), (_QUARTER, 3), (_HALF, 6)):
        if m := pattern.match(period):
            return datetime(int(m[1]), (int(m[2]) - 1) * months + 1, 1, tzinfo=VN)
    if m := _YEAR.match(period):
        return datetime(int(m[1]), 1, 1, tzinfo=VN)
    if m := _DAY.match(period):
        return datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=VN)
    return _parse_time(period, "period")


def check_begun(o: Observation, now: datetime | None = None) -> Observation:
    """Refuse a value for a period that has not begun (`9999-12` would pin a tile for ever)."""
    begins = period_start(o.period)
    if begins > (now or datetime.now(UTC)) + EARLY:
        raise ObservationError("period", f"{o.period!r} has not begun (it starts "
                                         f"{begins.date().isoformat()}): no value can exist yet")
    return o


_second: tuple[int, str] = (0, "")  # the last whole second and its text, swapped whole


def _now_iso() -> str:
    """Now in UTC to the millisecond, as `datetime.isoformat` writes it (the second's text is
    kept: stamping a batch of 500 formats it once)."""
    global _second
    now = time.time()
    second, text = _second
    if second != int(now):
        second = int(now)
        text = datetime.fromtimestamp(second, UTC).isoformat()[:19]
        _second = (second, text)
    return f"{text}.{int((now - second) * 1000):03d}+00:00"


@dataclass(frozen=True, slots=True)
class Observation:
    """One value of one indicator for one area and period, with its provenance."""

    indicator: str
    area: str
    period: str
    value: float | None
    unit: str
    source: str
    observed_at: str
    received_at: str = field(default_factory=_now_iso)
    status: str = "ok"
    revision: int = 0
    dims: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Series key of this observation (indicator, area, dims)."""
        return series_key(self.indicator, self.area, self.dims)

    @property
    def rank(self) -> tuple[float, int]:
        """Ordering of observations of one series: period first, then revision."""
        return (period_rank(self.period), self.revision)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready dict with the documented field names."""
        return {"indicator": self.indicator, "area": self.area, "period": self.period,
                "value": self.value, "unit": self.unit, "source": self.source,
                "observed_at": self.observed_at, "received_at": self.received_at,
                "status": self.status, "revision": self.revision, "dims": dict(self.dims)}

    def to_json(self) -> str:
        """Return compact JSON: `json.dumps(to_dict())` as compact non-ASCII JSON, written
        directly (the store writes one per observation; this is about twice as fast)."""
        q = _quote
        value = "null" if self.value is None else repr(self.value)  # what json.dumps writes
        dims = ",".join(f"{q(k)}:{q(v)}" for k, v in self.dims.items())
        return (f'{{"indicator":{q(self.indicator)},"area":{q(self.area)},'
                f'"period":{q(self.period)},"value":{value},"unit":{q(self.unit)},'
                f'"source":{q(self.source)},"observed_at":{q(self.observed_at)},'
                f'"received_at":{q(self.received_at)},"status":{q(self.status)},'
                f'"revision":{int(self.revision)},"dims":{{{dims}}}}}')

    def received_now(self) -> Observation:
        """Return a copy stamped as received now."""
        return replace(self, received_at=_now_iso())

    @classmethod
    def from_json(cls, text: str | bytes) -> Observation:
        """Parse JSON text into an Observation (raises ObservationError)."""
        try:
            data = json.loads(text)
        except (ValueError, TypeError) as exc:
            raise ObservationError("record", f"not valid JSON: {exc}") from exc
        return parse_observation(data)


def _str_field(data: dict[str, Any], name: str, pattern: re.Pattern[str] | None = None) -> str:
    if name not in data or data[name] is None:
        raise ObservationError(name, "is required")
    value = data[name]
    if not isinstance(value, str) or not value.strip():
        raise ObservationError(name, f"must be a non-empty string, got {value!r}")
    if pattern is not None and not pattern.match(value):
        raise ObservationError(name, f"{value[:100]!r} has characters or a form not allowed")
    if pattern is None:  # the patterns are ASCII-only: what they match is always encodable
        _encodable(name, value)
    return value


def _encodable(name: str, text: str) -> None:
    """Refuse text that is not valid Unicode (a lone surrogate cannot be stored or shown)."""
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ObservationError(name, "is not valid Unicode text") from exc


def _value_field(data: dict[str, Any], status: str) -> float | None:
    if "value" not in data:
        raise ObservationError("value", "is required")
    value = data["value"]
    if value is None:
        if status == "error":
            return None
        raise ObservationError("value", "is null but status is not 'error'")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ObservationError("value", f"must be a number, got {value!r}")
    try:
        finite = math.isfinite(value)
    except OverflowError:
        finite = False
    if not finite:
        raise ObservationError("value", f"must be a finite number, got {str(value)[:40]!r}")
    return float(value)


def _dims_field(data: dict[str, Any]) -> dict[str, str]:
    dims = data.get("dims") or {}
    if not isinstance(dims, dict):
        raise ObservationError("dims", f"must be an object of strings, got {str(dims)[:100]!r}")
    if len(dims) > MAX_DIMS:
        raise ObservationError("dims", f"at most {MAX_DIMS} entries, got {len(dims)}")
    for k, v in dims.items():
        if not isinstance(k, str) or not isinstance(v, str) or not k or not v:
            raise ObservationError("dims", f"entry {str(k)[:40]!r} must map a name to a string")
        if len(k) > MAX_DIM_KEY or len(v) > MAX_DIM_VALUE:
            raise ObservationError("dims", f"entry {k[:40]!r}: names are at most {MAX_DIM_KEY} "
                                           f"characters, values {MAX_DIM_VALUE}")
        if "|" in k or "=" in k or "|" in v:
            raise ObservationError("dims", f"entry {k!r} may not contain '|' or '='")
        _encodable("dims", k + v)
    return {k: dims[k] for k in sorted(dims)}


_STORED_FIELDS = tuple(f.name for f in fields(Observation))  # as to_dict and to_json order them


def stored_dict(raw: str | bytes) -> dict[str, Any]:
    """The JSON-ready dict of an observation as the store wrote it (`to_json`, validated on the
    way in): decoded only, where it has exactly the fields this version writes; anything else
    (a value written by an older version) is validated again and completed, as `from_json`."""
    data = json.loads(raw)
    if isinstance(data, dict) and tuple(data) == _STORED_FIELDS:
        return data
    return parse_observation(data).to_dict()


def parse_observation(data: Any) -> Observation:
    """Validate a decoded JSON object and return an Observation (raises ObservationError)."""
    if not isinstance(data, dict):
        raise ObservationError("record", f"must be a JSON object, got {type(data).__name__}")
    status = data.get("status", "ok")
    if status not in STATUSES:
        raise ObservationError("status", f"{status!r} is not one of {', '.join(STATUSES)}")
    revision = data.get("revision", 0)
    if isinstance(revision, bool) or not isinstance(revision, int) or not \
            0 <= revision <= MAX_REVISION:
        raise ObservationError("revision", f"must be an integer from 0 to {MAX_REVISION}, got "
                                           f"{str(revision)[:40]!r}")
    observed_at = _str_field(data, "observed_at")
    _parse_time(observed_at, "observed_at")
    received_at = data.get("received_at")
    if received_at:
        _parse_time(received_at, "received_at")
    else:
        received_at = _now_iso()
    unit = data.get("unit", "")
    if not isinstance(unit, str) or len(unit) > MAX_UNIT:
        raise ObservationError("unit", f"must be a string of at most {MAX_UNIT} characters, "
                                       f"got {str(unit)[:80]!r}")
    _encodable("unit", unit)
    return Observation(
        indicator=_str_field(data, "indicator", _CODE),
        area=_str_field(data, "area", _AREA),
        period=_check_period(data.get("period")),
        value=_value_field(data, status),
        unit=unit,
        source=_str_field(data, "source", _SOURCE),
        observed_at=observed_at,
        received_at=received_at,
        status=status,
        revision=revision,
        dims=_dims_field(data),
    )
