"""Poll an HTTP JSON endpoint of one of the centre's online systems (customs, border gates, …).

Each record of the payload is mapped declaratively onto an Observation: `fields` maps an
Observation field (`indicator`, `area`, `period`, `value`, `unit`, `observed_at`, `status`,
`revision`, `dims.<name>`) to a dotted path in the record (`stats.value`, `items.0.v`) or to a
constant written `=text` (`=EXPORTS_M`). Example `config/feeds.yaml` entry::

    - id: customs-exports
      kind: http_json
      owner: "Tổng cục Hải quan"
      interval: 5m
      settings:
        url: "https://customs.example/api/trade/monthly"
        headers: {Authorization: "Bearer ${CUSTOMS_TOKEN}"}
        records: "data.items"
        fields: {indicator: "=EXPORTS_M", area: "=VN", period: "month", value: "stats.value"}
        value_scale: 0.001

Header values may name environment variables as `${NAME}`; they are read at every poll and are
never logged. ETag / Last-Modified validators are sent back once the runner has stored what the
poll returned (`committed()`), so an unchanged source (304) costs one round trip and no records.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from data_feeds.base import Feed, FeedError, Rejected
from wall.observation import Observation, ObservationError, parse_observation

__all__ = ["HttpJsonFeed", "HttpJsonSettings"]

RAW_LIMIT = 100_000  # bytes of a whole-payload reject kept in quarantine
ERROR_BODY_LIMIT = 200  # characters of an error response quoted in the FeedError
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_PLAIN_FIELDS = ("indicator", "area", "period", "value", "unit", "observed_at", "status",
                 "revision")
_REQUIRED_FIELDS = ("indicator", "area", "period", "value")
_TEXT_FIELDS = ("indicator", "area", "period", "unit", "status", "observed_at")


class HttpJsonSettings(BaseModel):
    """Where the endpoint is, how to call it and how its records map onto Observations."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    timeout_s: float = Field(default=10.0, gt=0)
    headers: dict[str, str] = Field(default_factory=dict)
    records: str = ""
    fields: dict[str, str]
    value_scale: float = Field(default=1.0, allow_inf_nan=False)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        try:
            url = httpx.URL(v)
        except (httpx.InvalidURL, TypeError) as exc:
            raise ValueError(f"{v!r} is not a URL: {exc}") from exc
        if "${" in v:  # the host comes from the environment at poll time
            return v
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"{v!r} must be an http:// or https:// URL")
        return v

    @field_validator("records")
    @classmethod
    def _records(cls, v: str) -> str:
        if v and "" in v.split("."):
            raise ValueError(f"path {v!r} has an empty segment")
        return v

    @field_validator("fields")
    @classmethod
    def _fields(cls, v: dict[str, str]) -> dict[str, str]:
        for name, source in v.items():
            if name.startswith("dims."):
                dim = name[5:]
                if not dim or "|" in dim or "=" in dim:
                    raise ValueError(f"{name!r}: a dimension name may not be empty or hold | =")
            elif name not in _PLAIN_FIELDS and name != "dims":
                allowed = ", ".join(_PLAIN_FIELDS)
                raise ValueError(f"{name!r} is not an Observation field ({allowed}, dims, "
                                 "dims.<name>)")
            if not source.startswith("=") and (not source or "" in source.split(".")):
                raise ValueError(f"{name}: path {source!r} is empty or has an empty segment")
        missing = [f for f in _REQUIRED_FIELDS if f not in v]
        if missing:
            raise ValueError(f"fields must map {', '.join(missing)}")
        return v


class _Missing(Exception):
    """A mapped path that the record does not have."""


def _dig(data: Any, path: str) -> Any:
    """Follow a dotted path through objects (by key) and lists (by index); raise _Missing."""
    if not path:
        return data
    node = data
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isascii() and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise _Missing(part)
    return node


def _constant(name: str, text: str) -> Any:
    """Return a `=text` constant, as a number for `value` and `revision` when it reads as one."""
    try:
        if name == "value":
            return float(text)
        if name == "revision":
            return int(text)
    except ValueError:
        pass  # left as text: validation then names the field
    return text


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _resolve_env(name: str, value: str) -> str:
    """Replace `${ENV}` references in a header value or URL (FeedError names a missing one)."""

    def sub(m: re.Match[str]) -> str:
        found = os.environ.get(m[1])
        if found is None:
            raise FeedError(f"{name}: environment variable {m[1]} is not set")
        return found

    resolved = _ENV_REF.sub(sub, value)
    if not resolved.isascii() or any(c in resolved for c in "\r\n\0"):
        raise FeedError(f"header {name}: value is not valid header text (ASCII, one line)")
    return resolved


def _decode(response: httpx.Response, limit: int) -> str:
    """Return at most `limit` bytes of the body as text, never raising on bad bytes."""
    try:
        return response.content[:limit].decode(response.encoding or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return response.content[:limit].decode("utf-8", errors="replace")


class HttpJsonFeed(Feed):
    """Poll an HTTP JSON endpoint and map its records onto Observations."""

    kind = "http_json"
    Settings = HttpJsonSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._client = httpx.Client(timeout=self.settings.timeout_s, follow_redirects=True)
        self._etag = ""
        self._last_modified = ""
        self._pending: tuple[str, str] | None = None

    # -- HTTP -------------------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self._etag:
            headers["If-None-Match"] = self._etag
        if self._last_modified:
            headers["If-Modified-Since"] = self._last_modified
        for name, value in self.settings.headers.items():
            headers[name] = _resolve_env(name, value)
        return headers

    def _get(self) -> httpx.Response:
        url = _resolve_env("url", self.settings.url) if "${" in self.settings.url \
            else self.settings.url
        try:
            response = self._client.get(url, headers=self._headers())
        except httpx.TimeoutException as exc:
            raise FeedError(f"no answer from {url} within {self.settings.timeout_s:g} s "
                            f"({type(exc).__name__})") from exc
        except httpx.ConnectError as exc:
            raise FeedError(f"cannot connect to {url}: {exc}") from exc
        except httpx.HTTPError as exc:
            raise FeedError(f"GET {url} failed: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            body = " ".join(_decode(response, ERROR_BODY_LIMIT * 4).split())[:ERROR_BODY_LIMIT]
            raise FeedError(f"HTTP {response.status_code} {response.reason_phrase} from {url}"
                            + (f": {body}" if body else ""))
        if response.status_code not in (200, 203, 204, 304):
            raise FeedError(f"unexpected HTTP {response.status_code} "
                            f"{response.reason_phrase} from {url}")
        return response

    # -- polling ----------------------------------------------------------------------------
    def poll(self) -> list[Observation | Rejected]:
        """Fetch the endpoint once; nothing when it answers 304 Not Modified (raises FeedError)."""
        response = self._get()
        if response.status_code == 304:
            return []
        self._pending = (response.headers.get("etag", ""),
                         response.headers.get("last-modified", ""))
        if response.status_code == 204:
            return []
        try:
            payload = json.loads(response.content)
        except (ValueError, RecursionError) as exc:
            return [self._whole(response, f"body is not JSON ({type(exc).__name__}: {exc})")]
        try:
            records = _dig(payload, self.settings.records)
        except _Missing:
            records = None
        if not isinstance(records, list):
            where = f"at {self.settings.records!r}" if self.settings.records else "as the body"
            return [self._whole(response, f"JSON has no list of records {where}")]
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        return self._dedupe([self._map(record, now) for record in records])

    def committed(self) -> None:
        """Remember the last stored response's ETag / Last-Modified for the next poll."""
        if self._pending is not None:
            self._etag, self._last_modified = self._pending
            self._pending = None

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    # -- mapping ----------------------------------------------------------------------------
    def _whole(self, response: httpx.Response, reason: str) -> Rejected:
        size = len(response.content)
        kept = f" (first {RAW_LIMIT} of {size} bytes kept)" if size > RAW_LIMIT else ""
        return Rejected(f"{self.settings.url}: {reason}{kept}", _decode(response, RAW_LIMIT))

    def _map(self, record: Any, now: str) -> Observation | Rejected:
        """Turn one record into an Observation, or a Rejected that names the field."""
        data: dict[str, Any] = {"source": self.id, "observed_at": now}
        dims: dict[str, Any] = {}
        for name, source in self.settings.fields.items():
            if source.startswith("="):
                value = _constant(name, source[1:])
            else:
                try:
                    value = _dig(record, source)
                except _Missing as exc:
                    return Rejected(f"{name}: path {source!r} not in record "
                                    f"(no {str(exc)!r})", record)
            if name == "dims":  # a whole object of dimensions
                if not isinstance(value, dict):
                    return Rejected(f"dims: path {source!r} is not an object", record)
                dims.update({k: str(v) if _is_int(v) else v for k, v in value.items()})
            elif name.startswith("dims."):
                dims[name[5:]] = str(value) if _is_int(value) else value
            else:
                data[name] = str(value) if name in _TEXT_FIELDS and _is_int(value) else value
        data["dims"] = dims
        try:
            data["value"] = self._scaled(data["value"])
        except OverflowError:
            return Rejected("value: number too large to be a float", record)
        try:
            obs = parse_observation(data)
        except ObservationError as exc:
            return Rejected(str(exc), record)
        indicator = self.catalogue.get(obs.indicator)
        if indicator is None:
            return Rejected(f"indicator: {obs.indicator!r} is not in the catalogue", record)
        if "unit" not in self.settings.fields:
            obs = replace(obs, unit=indicator.unit)
        elif obs.unit != indicator.unit:
            return Rejected(f"unit: wrong unit {obs.unit!r} for {obs.indicator} "
                            f"(catalogue: {indicator.unit!r})", record)
        try:
            obs.to_json().encode("utf-8")
        except UnicodeEncodeError:
            return Rejected("record: text that is not valid Unicode (lone surrogate)",
                            json.dumps(record, ensure_ascii=True))
        return obs

    def _scaled(self, value: Any) -> Any:
        """Apply `value_scale` to a number or numeric text; leave anything else to validation."""
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value
        scaled = float(value) * self.settings.value_scale  # OverflowError for a huge integer
        # 15 significant digits drop the binary noise of scaling (1234.5 * 0.001 = 1.2345)
        return float(f"{scaled:.15g}") if math.isfinite(scaled) else scaled

    @staticmethod
    def _dedupe(items: list[Observation | Rejected]) -> list[Observation | Rejected]:
        """Keep one Observation per series, period and revision (the last one in the payload)."""
        last: dict[tuple[str, str, int], int] = {}
        for index, item in enumerate(items):
            if isinstance(item, Observation):
                last[(item.key, item.period, item.revision)] = index
        keep = set(last.values())
        return [i for n, i in enumerate(items) if not isinstance(i, Observation) or n in keep]
