"""SIMULATED endpoints on loopback for the demo: online systems, cameras and bridge points.

The centre's real systems are not reachable here, so `opswall demo` serves stand-ins that speak the
same protocols (HTTP JSON, JPEG snapshots, health URLs). Every value they serve is invented and
the feeds that read them are marked `simulated: true`; the wall labels them so.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from wall.locale import TZ

__all__ = ["SYSTEMS", "Simulator"]

# system id -> records (indicator, area, dims, typical value, unit, daily swing as a fraction)
SYSTEMS: dict[str, list[tuple[str, str, dict[str, str], float, str, float]]] = {
    "bcqg": [("REPORTS_RECEIVED_D", "VN", {}, 420, "reports", 0.3)],
    "dvcqg": [("DVC_DOSSIERS_D", "VN", {}, 185_000, "dossiers", 0.25)],
    "vnsw": [("CUSTOMS_DECLARATIONS_D", "VN", {}, 48_000, "declarations", 0.2)],
    "vnaccs": [("CUSTOMS_EXPORT_VALUE_D", "VN", {}, 1_150, "million USD", 0.2),
               ("CUSTOMS_IMPORT_VALUE_D", "VN", {}, 1_080, "million USD", 0.2)],
    "xnc-cuakhau": [("BORDER_CROSSINGS_D", "20", {"gate": "Hữu Nghị"}, 6_500, "persons", 0.3),
                    ("BORDER_CROSSINGS_D", "22", {"gate": "Móng Cái"}, 9_800, "persons", 0.3),
                    ("BORDER_CROSSINGS_D", "15", {"gate": "Lào Cai"}, 7_200, "persons", 0.3)],
    "bienphong-phuongtien": [
        ("BORDER_VEHICLES_D", "20", {"gate": "Hữu Nghị"}, 1_400, "vehicles", 0.3),
        ("BORDER_VEHICLES_D", "20", {"gate": "Tân Thanh"}, 900, "vehicles", 0.3)],
    "hangkhong": [("AIRPORT_FLIGHTS_D", "01", {"airport": "HAN"}, 620, "flights", 0.15),
                  ("AIRPORT_FLIGHTS_D", "79", {"airport": "SGN"}, 890, "flights", 0.15),
                  ("AIRPORT_FLIGHTS_D", "48", {"airport": "DAD"}, 310, "flights", 0.15)],
    "tkcn": [("SAR_INCIDENTS_ACTIVE", "VN", {}, 6, "incidents", 0.6)],
    "hochua-thuydien": [("RESERVOIR_LEVEL_M", "14", {"dam": "Sơn La"}, 208, "m", 0.01),
                        ("RESERVOIR_LEVEL_M", "25", {"dam": "Hòa Bình"}, 112, "m", 0.01)],
    "dangky-doanhnghiep": [("ENT_NEW_D", "VN", {}, 620, "DN", 0.4)],
    "thue-dientu": [("TAX_REVENUE_D", "VN", {}, 5_900, "billion VND", 0.35)],
    "khobac-tabmis": [("PUBINV_DISBURSED_D", "VN", {}, 2_400, "billion VND", 0.4)],
    "nhnn-tygia": [("FX_CENTRAL_RATE_D", "VN", {}, 25_050, "VND per USD", 0.002)],
    "dieudo-dien": [("POWER_LOAD_MW", "VN", {}, 42_000, "MW", 0.12)],
    "khituong-thuyvan": [("RAIN_WARNINGS_ACTIVE", "VN", {}, 3, "warnings", 0.8)],
    "hanghai-cangbien": [("PORT_CARGO_D", "VN", {}, 2_300, "thousand tonnes", 0.2)],
    "bhxh": [("SOCIAL_INSURANCE_PARTICIPANTS", "VN", {}, 20_100, "thousand persons", 0.001)],
    "dancu": [("ID_CARDS_ISSUED_D", "VN", {}, 95_000, "cards", 0.3)],
    "yte-dichbenh": [("DISEASE_CASES_D", "VN", {}, 1_250, "cases", 0.35)],
    "gia-thitruong": [("PETROL_PRICE_RON95", "VN", {}, 20_300, "VND per litre", 0.005)],
    "nongnghiep-gia": [("RICE_EXPORT_PRICE", "VN", {}, 510, "USD per tonne", 0.01)],
    "giaothong-caotoc": [("EXPRESSWAY_TRAFFIC_D", "VN", {}, 410, "thousand vehicles", 0.2)],
    "duongsat": [("RAIL_PASSENGERS_D", "VN", {}, 21, "thousand persons", 0.25)],
    "giaoduc": [("SCHOOLS_REPORTING", "VN", {}, 52_000, "schools", 0.01)],
    "dat-dai": [("LAND_DOSSIERS_D", "VN", {}, 14_000, "dossiers", 0.3)],
    "thanhtra-khieunai": [("COMPLAINTS_RECEIVED_D", "VN", {}, 1_100, "cases", 0.3)],
    "vanban-dieuhanh": [("DOCUMENTS_EXCHANGED_D", "VN", {}, 310_000, "documents", 0.2)],
    "cuatoa-dientu": [("EGOV_ONLINE_SHARE", "VN", {}, 52, "percent", 0.02)],
    "moitruong-quantrac": [("AQI_HANOI", "01", {}, 110, "AQI", 0.3)],
    "phongchong-thientai": [("EVACUATED_PERSONS", "VN", {}, 0, "persons", 0.0)],
    "dulich": [("INTL_ARRIVALS_D", "VN", {}, 48, "thousand arrivals", 0.2)],
}


def _wave(key: str, base: float, swing: float, now: float) -> float:
    """A smooth, repeatable, labelled-simulated value: base ± swing over the day."""
    phase = int(hashlib.sha1(key.encode()).hexdigest()[:6], 16) % 1000 / 1000
    day = (now / 86400 + phase) * 2 * math.pi
    jitter = math.sin(now / 37 + phase * 13) * 0.15
    return round(base * (1 + swing * (math.sin(day) + jitter)), 2)


def _down(key: str, now: float, share: float) -> bool:
    """Whether a simulated endpoint is down in this minute (a repeatable share of the time)."""
    slot = int(now // 60)
    return int(hashlib.sha1(f"{key}:{slot}".encode()).hexdigest()[:4], 16) / 65536 < share


def system_payload(system: str, now: float) -> dict[str, Any]:
    """Return the simulated JSON of one online system."""
    today = datetime.fromtimestamp(now, TZ).date().isoformat()
    stamp = datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds")
    items = [{"indicator": ind, "area": area, "period": today, "unit": unit, "dims": dims,
              "value": max(0.0, _wave(f"{system}:{ind}:{area}:{dims}", base, swing, now)),
              "updated": stamp}
             for ind, area, dims, base, unit, swing in SYSTEMS[system]]
    return {"system": system, "simulated": True, "items": items}


def snapshot_jpeg(camera: str, now: float) -> bytes:
    """Return a small JPEG that says SIMULATED, with the camera id and the Vietnam time."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 180), (16 + hash(camera) % 40, 40, 60))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 319, 22), fill=(120, 20, 20))
    draw.text((6, 5), "SIMULATED / MO PHONG", fill=(255, 255, 255))
    draw.text((6, 80), camera, fill=(230, 230, 230))
    draw.text((6, 150), datetime.fromtimestamp(now, TZ).strftime("%H:%M:%S %d/%m/%Y"),
              fill=(230, 230, 230))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=70)
    return out.getvalue()


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *_: Any) -> None:
        return

    def _send(self, code: int, body: bytes, ctype: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        now = time.time()
        parts = self.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "systems" and parts[1].removesuffix(".json") in SYSTEMS:
            body = json.dumps(system_payload(parts[1].removesuffix(".json"), now),
                              ensure_ascii=False).encode()
            return self._send(200, body, "application/json")
        if len(parts) == 3 and parts[0] == "camera" and parts[2] == "snapshot.jpg":
            if _down(parts[1], now, 0.06):
                return self._send(503, b"camera offline (simulated)", "text/plain")
            return self._send(200, snapshot_jpeg(parts[1], now), "image/jpeg")
        if len(parts) == 2 and parts[0] == "bridge":
            if _down(parts[1], now, 0.04):
                return self._send(503, b"bridge point offline (simulated)", "text/plain")
            return self._send(200, b"ok", "text/plain")
        self._send(404, b"not found", "text/plain")


class Simulator:
    """The simulated endpoints, served on a free loopback port in a daemon thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = ThreadingHTTPServer((host, port), _Handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}"

    def start(self) -> Simulator:
        """Serve in the background; return self."""
        threading.Thread(target=self.server.serve_forever, name="simulator",
                         daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
