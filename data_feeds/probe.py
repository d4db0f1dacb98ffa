"""Camera and video-bridge probes: is each endpoint online, degraded or offline, and how fast.

Cameras answer an HTTP snapshot URL (a JPEG) or an RTSP URL (`OPTIONS` must answer 200);
bridge points answer an HTTP health URL or accept a TCP connection (`tcp://host:port`). Each
probe gives two observations — `<PREFIX>_STATUS` (2 online, 1 degraded, 0 offline) and
`<PREFIX>_LATENCY_MS` — for the target's province with the target id as a dim, and for cameras
the latest snapshot. Targets are listed in config or built from the points of interest file.
"""

from __future__ import annotations

import csv
import os
import re
import socket
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, Field

from data_feeds.base import Feed, Snapshot
from wall.config import CONFIG_DIR
from wall.geo import poi_sites
from wall.observation import Observation, parse_observation

__all__ = ["CameraProbeFeed", "BridgeProbeFeed", "probe"]

ONLINE, DEGRADED, OFFLINE = 2.0, 1.0, 0.0
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
MAX_SNAPSHOT = 512 * 1024


class Target(BaseModel):
    """One camera or bridge point: id, where it is, how to reach it."""

    id: str
    name_vi: str = ""
    area: str
    url: str
    site: str = ""


class PoiTargets(BaseModel):
    """Targets generated from assets/geo/vn_poi.csv: `per_site` at each point of `kinds`."""

    kinds: list[str]
    per_site: int = 1
    limit: int = 1000
    url_template: str


class ProbeSettings(BaseModel):
    """Targets and thresholds."""

    targets: list[Target] = Field(default_factory=list)
    targets_csv: str = ""
    from_poi: PoiTargets | None = None
    timeout_s: float = 3.0
    degraded_ms: float = 800.0
    workers: int = 16


def _expand(text: str) -> str:
    return _ENV.sub(lambda m: os.environ.get(m[1], m[0]), text)


def _poi_targets(spec: PoiTargets) -> list[Target]:
    return [Target(**site, url=spec.url_template.replace("{id}", site["id"]))
            for site in poi_sites(spec.kinds, spec.per_site, spec.limit)]


def _rtsp(url: str, timeout: float) -> tuple[bool, str]:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "", parts.port or 554), timeout) as s:
        s.settimeout(timeout)
        s.sendall(f"OPTIONS {url} RTSP/1.0\r\nCSeq: 1\r\n\r\n".encode())
        line = s.recv(256).split(b"\r\n", 1)[0].decode(errors="replace")
    return line.startswith("RTSP/1.0 200"), line


def _tcp(url: str, timeout: float) -> tuple[bool, str]:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "", parts.port or 0), timeout):
        return True, "connected"


def probe(url: str, timeout: float, client: httpx.Client) -> tuple[float, float, bytes | None,
                                                                    str]:
    """Probe one URL; return (status, latency ms, snapshot bytes or None, detail)."""
    t0 = time.perf_counter()
    try:
        if url.startswith("rtsp://"):
            ok, detail = _rtsp(url, timeout)
            body = None
        elif url.startswith("tcp://"):
            ok, detail = _tcp(url, timeout)
            body = None
        else:
            resp = client.get(url, timeout=timeout)
            ok = resp.status_code == 200
            detail = f"HTTP {resp.status_code}"
            is_image = resp.headers.get("content-type", "").startswith("image/")
            body = resp.content[:MAX_SNAPSHOT] if ok and is_image else None
            if ok and "/snapshot" in url and not is_image:
                return DEGRADED, (time.perf_counter() - t0) * 1000, None, "not an image"
    except (OSError, httpx.HTTPError) as exc:
        return OFFLINE, (time.perf_counter() - t0) * 1000, None, type(exc).__name__
    latency = (time.perf_counter() - t0) * 1000
    return (ONLINE if ok else OFFLINE), latency, body, detail


class _ProbeFeed(Feed):
    """Probe every target concurrently once per interval."""

    Settings = ProbeSettings
    prefix = ""
    dim = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        s = self.settings
        self.targets = list(s.targets) + (_poi_targets(s.from_poi) if s.from_poi else [])
        if s.targets_csv:
            path = Path(s.targets_csv)
            if not path.is_absolute():
                path = CONFIG_DIR / path
            with path.open(encoding="utf-8") as fh:
                self.targets += [Target(**row) for row in csv.DictReader(fh)]
        self._client = httpx.Client(follow_redirects=False)

    def poll(self) -> Iterable[Observation | Snapshot]:
        """Probe all targets; yield status and latency observations (and snapshots)."""
        s = self.settings
        with ThreadPoolExecutor(max_workers=s.workers) as pool:
            results = list(pool.map(
                lambda t: probe(_expand(t.url), s.timeout_s, self._client), self.targets))
        now = datetime.now(UTC).isoformat(timespec="seconds")
        for target, (status, latency, body, _detail) in zip(self.targets, results, strict=True):
            if status == ONLINE and latency > s.degraded_ms:
                status = DEGRADED
            dims = {self.dim: target.id}
            for suffix, value, unit in (("STATUS", status, "status code"),
                                        ("LATENCY_MS", round(latency, 1), "ms")):
                yield parse_observation({
                    "indicator": f"{self.prefix}_{suffix}", "area": target.area, "period": now,
                    "value": value, "unit": unit, "source": self.id, "observed_at": now,
                    "dims": dims})
            if body is not None:
                yield Snapshot(target.id, "image/jpeg", body, now)

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()


class CameraProbeFeed(_ProbeFeed):
    """The cameras at hydropower dams and border gates."""

    kind = "camera_probe"
    prefix = "CAMERA"
    dim = "camera"


class BridgeProbeFeed(_ProbeFeed):
    """The video-bridge points (điểm cầu)."""

    kind = "bridge_probe"
    prefix = "BRIDGE"
    dim = "point"
