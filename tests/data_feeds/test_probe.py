"""Camera and bridge probes against real endpoints on loopback: HTTP snapshot, RTSP, TCP."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from data_feeds.base import Snapshot
from data_feeds.probe import CameraProbeFeed
from data_feeds.runner import FeedRunner
from data_feeds.simulator import Simulator, system_payload
from tests.conftest import free_port
from wall.config import FeedSpec, WallSettings
from wall.observation import Observation
from wall.store import Store


@pytest.fixture
def sim() -> Iterator[Simulator]:
    s = Simulator().start()
    yield s
    s.stop()


@pytest.fixture
def rtsp() -> Iterator[str]:
    """A minimal RTSP responder: answers OPTIONS with 200."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()

    def serve() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                conn.recv(1024)
                conn.sendall(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    yield f"rtsp://127.0.0.1:{srv.getsockname()[1]}/stream1"
    srv.close()


def test_cameras_report_status_latency_and_snapshot(settings: WallSettings, store: Store,
                                                    sim: Simulator, rtsp: str) -> None:
    dead = f"rtsp://127.0.0.1:{free_port()}/x"
    targets = [{"id": "CAM-HTTP", "area": "14", "url": f"{sim.url}/camera/CAM-HTTP/snapshot.jpg"},
               {"id": "CAM-RTSP", "area": "20", "url": rtsp},
               {"id": "CAM-DEAD", "area": "22", "url": dead},
               {"id": "CAM-404", "area": "22", "url": f"{sim.url}/nothing"}]
    spec = FeedSpec(id="cams", kind="camera_probe", settings={"targets": targets,
                                                              "timeout_s": 2})
    feed = CameraProbeFeed(spec, settings.catalogue)
    items = list(feed.poll())
    status = {o.dims["camera"]: o.value for o in items
              if isinstance(o, Observation) and o.indicator == "CAMERA_STATUS"}
    assert status["CAM-RTSP"] == 2.0 and status["CAM-DEAD"] == 0.0 and status["CAM-404"] == 0.0
    assert status["CAM-HTTP"] in (2.0, 1.0, 0.0)  # the simulator drops a camera now and then
    snaps = [i for i in items if isinstance(i, Snapshot)]
    if status["CAM-HTTP"] > 0:
        assert snaps and snaps[0].data[:3] == b"\xff\xd8\xff"  # a JPEG
    runner = FeedRunner(store, [feed])
    assert runner.run_once(feed) == 8
    latest = store.latest("CAMERA_STATUS", "20")
    assert latest[0].dims == {"camera": "CAM-RTSP"}


def test_demo_cameras_sit_at_real_dams_and_border_gates(settings: WallSettings) -> None:
    spec = next(f for f in settings.feeds.feeds if f.kind == "camera_probe")
    feed = CameraProbeFeed(spec, settings.catalogue)
    assert len(feed.targets) == 55
    sites = {t.site.split("_")[0] for t in feed.targets}
    assert sites == {"dam", "border"}
    assert all(len(t.area) == 2 for t in feed.targets)


def test_simulated_systems_say_so(settings: WallSettings) -> None:
    systems = [f for f in settings.feeds.feeds if f.kind == "http_json"]
    assert len(systems) == 31
    assert all(f.simulated and "MÔ PHỎNG" in f.name_vi and f.owner for f in systems)
    payload = system_payload("vnaccs", 1_800_000_000)
    assert payload["simulated"] is True
    assert all(settings.catalogue.get(i["indicator"]) for i in payload["items"])
