"""Redis with a replica and a sentinel: writes are acknowledged only once a replica holds them,
the app reaches the primary through Sentinel, and after the primary dies the promoted replica
takes writes and still has every acknowledged one."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from subprocess import Popen

import pytest
import redis

from benchmarks.redis_server import free_port, start_redis, start_sentinel
from tests.helpers import obs, wait_for
from wall.redis_conn import redis_client
from wall.store import NotReplicated, Store


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[int, int, list[Popen[bytes]]]]:
    """A primary and its replica on free ports, both with append-only files."""
    primary, replica = free_port(), free_port()
    (tmp_path / "p").mkdir()
    (tmp_path / "r").mkdir()
    procs = [start_redis(primary, tmp_path / "p", ["--appendonly", "yes"]),
             start_redis(replica, tmp_path / "r", ["--appendonly", "yes", "--replicaof",
                                                   "127.0.0.1", str(primary)])]
    wait_for(lambda: redis.Redis(port=replica).info("replication")["master_link_status"]
             == "up", "the replica in sync")
    yield primary, replica, procs
    for p in procs:
        if p.poll() is None:
            os.kill(p.pid, signal.SIGCONT)
            p.kill()
            p.wait(timeout=10)


def test_a_write_is_acknowledged_only_once_a_replica_holds_it(
        pair: tuple[int, int, list[Popen[bytes]]]) -> None:
    primary, replica, procs = pair
    store = Store(redis.Redis(port=primary), prefix="rep:", replicas=1)
    store.write([obs(value=1.0)])
    on_replica = Store(redis.Redis(port=replica), prefix="rep:")
    assert on_replica.latest("EXPORTS_M")[0].value == 1.0
    store.write_many([[obs(value=1.5, period="2026-08")], [obs(value=1.6, period="2026-07")]])
    assert [o.value for o in on_replica.series("EXPORTS_M", "VN")] == [1.6, 1.5, 1.0]
    os.kill(procs[1].pid, signal.SIGSTOP)  # attached, but confirming nothing
    with pytest.raises(NotReplicated):
        store.write([obs(value=2.0)])
    with pytest.raises(NotReplicated):
        store.write_many([[obs(value=2.1, period="2026-06")]])
    procs[1].kill()  # gone: the primary, alone now, takes writes again
    procs[1].wait(timeout=10)
    wait_for(lambda: redis.Redis(port=primary).info("replication")["connected_slaves"] == 0,
             "the primary noticing its replica is gone")
    assert store.write([obs(value=3.0, period="2026-09")]) >= 0


def test_through_sentinel_a_failover_keeps_every_acknowledged_write(
        pair: tuple[int, int, list[Popen[bytes]]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    primary, replica, procs = pair
    port = free_port()
    procs.append(start_sentinel(port, tmp_path, primary, service="wallsvc"))
    monkeypatch.setenv("REDIS_SENTINELS", f"127.0.0.1:{port}")
    monkeypatch.setenv("SENTINEL_SERVICE", "wallsvc")
    store = Store(redis_client(), prefix="fo:", replicas=1)
    acknowledged = []
    for i in range(50):
        store.write([obs(value=float(i), period=f"20{10 + i // 12:02d}-{i % 12 + 1:02d}")])
        acknowledged.append(float(i))
    procs[0].kill()  # the primary dies mid-stream
    procs[0].wait(timeout=10)

    def written() -> bool:
        try:
            store.write([obs(value=99.0, period="2026-10")])
            return True
        except redis.RedisError:
            return False

    wait_for(written, "a write through Sentinel after the failover", timeout=120)
    assert redis.Redis(port=replica).info("replication")["role"] == "master"
    kept = [o.value for o in store.series("EXPORTS_M", "VN", {})]
    assert set(acknowledged) <= set(kept) and 99.0 in kept
