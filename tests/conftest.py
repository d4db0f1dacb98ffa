"""Shared fixtures: a throwaway real redis-server on a free loopback port, stores, settings."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from wall.config import WallSettings, load_settings
from wall.store import Store

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_redis(port: int, workdir: Path, extra: list[str] | None = None
                ) -> subprocess.Popen[bytes]:
    """Start redis-server on loopback and wait until it answers."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("redis-server is not installed: run the tests with scripts/test.sh")
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--dir", str(workdir), *(extra or ["--appendonly", "no"])],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(200):
        try:
            client.ping()
            return proc
        except redis.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    pytest.fail("redis-server did not start")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a real, throwaway redis-server for the whole session."""
    port = free_port()
    proc = start_redis(port, tmp_path_factory.mktemp("redis"))
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
    """A copy of config/ with no feeds, so tests control every observation."""
    folder = tmp_path / "config"
    shutil.copytree(REPO / "config", folder)
    (folder / "feeds.yaml").write_text("apiVersion: 1\nfeeds: []\n", encoding="utf-8")
    return folder
