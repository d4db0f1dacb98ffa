"""A throwaway redis-server on a free loopback port, for tests and benchmarks."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

__all__ = ["free_port", "start_redis", "start_sentinel"]


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_redis(port: int, workdir: Path, extra: list[str] | None = None
                ) -> subprocess.Popen[bytes]:
    """Start redis-server on 127.0.0.1:`port` and wait until it answers (raises if it can't)."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server is not installed: scripts/test.sh installs it")
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--dir", str(workdir), *(extra or ["--appendonly", "no"])],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return _answering(proc, port, "redis-server")


def start_sentinel(port: int, workdir: Path, primary_port: int, service: str = "mymaster",
                   quorum: int = 1, down_after_ms: int = 1000) -> subprocess.Popen[bytes]:
    """Start a Redis Sentinel on 127.0.0.1:`port` watching the primary on `primary_port`."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server is not installed: scripts/test.sh installs it")
    conf = workdir / f"sentinel-{port}.conf"
    conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {workdir}\n"
                    f"sentinel monitor {service} 127.0.0.1 {primary_port} {quorum}\n"
                    f"sentinel down-after-milliseconds {service} {down_after_ms}\n"
                    f"sentinel failover-timeout {service} 5000\n"
                    f"sentinel parallel-syncs {service} 1\n")
    proc = subprocess.Popen([exe, str(conf), "--sentinel"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    return _answering(proc, port, "redis sentinel")


def _answering(proc: subprocess.Popen[bytes], port: int, what: str) -> subprocess.Popen[bytes]:
    """Return `proc` once it answers PING on `port` (killed, and an error, if it never does)."""
    client = redis.Redis(port=port)
    for _ in range(200):
        try:
            client.ping()
            return proc
        except redis.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{what} did not start on port {port}")
