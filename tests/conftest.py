"""Shared fixtures: a throwaway real redis-server on a free loopback port, stores, settings."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from benchmarks.redis_server import free_port, start_redis
from wall.config import WallSettings, load_settings
from wall.store import Store

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a real, throwaway redis-server for the whole session."""
    port = free_port()
    try:
        proc = start_redis(port, tmp_path_factory.mktemp("redis"))
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def store(redis_url: str) -> Store:
    """A Store on the real Redis under a fresh key prefix."""
    return Store(redis.Redis.from_url(redis_url), prefix=f"t{uuid.uuid4().hex[:8]}:")


@pytest.fixture(scope="session")
def settings() -> WallSettings:
    """The repository's validated config."""
    return load_settings(REPO / "config")


@pytest.fixture
def quiet_config(tmp_path: Path) -> Path:
    """A copy of config/ whose only feed probes cameras that never answer: tests post the rest."""
    folder = tmp_path / "config"
    shutil.copytree(REPO / "config", folder)
    (folder / "feeds.yaml").write_text(  # cameras configured, but nothing answers them
        "apiVersion: 1\nfeeds:\n  - {id: cameras, kind: camera_probe, interval: 24h, settings: "
        "{timeout_s: 0.2, from_poi: {kinds: [dam, border_gate_road], per_site: 3, limit: 55, "
        "url_template: 'tcp://127.0.0.1:9/{id}'}}}\n", encoding="utf-8")
    return folder
