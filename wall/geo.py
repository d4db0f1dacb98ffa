"""Province codes and names: the 63→34 map of Resolution 202/2025/QH15 and the map files."""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["GEO_DIR", "ATTRIBUTION_VI", "archipelagos", "normalise_name", "poi_sites",
           "province_code_63", "provinces_34", "provinces_34_geojson", "successor",
           "predecessors"]

GEO_DIR = Path(__file__).resolve().parent.parent / "assets" / "geo"
ATTRIBUTION_VI = (
    "Ranh giới hành chính: Open Development Vietnam / Cục Đo đạc và Bản đồ Việt Nam "
    "(CC BY-SA 4.0), biến đổi và sáp nhập theo Nghị quyết 202/2025/QH15. Mã đơn vị hành chính: "
    "Tổng cục Thống kê. Điểm: Wikipedia (CC BY-SA 4.0), GeoNames (CC BY 4.0), airportsdata (MIT), "
    "searoute (Apache-2.0)."
)
_PREFIXES = ("thanhpho", "tp", "tinh", "thuathien")


def normalise_name(name: str) -> str:
    """Fold a province name for matching: no accents, case, prefixes, spaces or hyphens."""
    text = unicodedata.normalize("NFD", name.strip().lower()).replace("đ", "d")
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    text = re.sub(r"[\s\-–.]+", "", text)
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text


@lru_cache(maxsize=1)
def _code_map() -> list[dict[str, str]]:
    with (GEO_DIR / "vn_province_code_map_63_to_34.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def province_code_63(name: str) -> str | None:
    """Return the 63-edition GSO code of a province name as printed in GSO tables, or None."""
    wanted = normalise_name(name)
    for row in _code_map():
        if normalise_name(row["old_name_vi"]) == wanted:
            return row["old_code"]
    return None


def successor(old_code: str) -> str | None:
    """Return the 34-edition code that a 63-edition province became part of."""
    return next((r["new_code"] for r in _code_map() if r["old_code"] == old_code), None)


def predecessors(new_code: str) -> set[str]:
    """Return the 63-edition codes merged into a 34-edition unit."""
    return {r["old_code"] for r in _code_map() if r["new_code"] == new_code}


@lru_cache(maxsize=1)
def provinces_34() -> list[dict[str, str]]:
    """Return the attribute rows of the 34 provincial units (code, name_vi, name_en, …)."""
    with (GEO_DIR / "vn_provinces_34_2025.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def provinces_34_geojson() -> dict[str, Any]:
    """Return the 34-unit boundary GeoJSON (with the Hoàng Sa and Trường Sa islands)."""
    return json.loads((GEO_DIR / "vn_provinces_34_2025.geojson").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def archipelagos() -> dict[str, Any]:
    """Return the Hoàng Sa and Trường Sa overlay (islands and label points)."""
    return json.loads((GEO_DIR / "vn_archipelagos.geojson").read_text(encoding="utf-8"))


def poi_sites(kinds: list[str], per_site: int = 1, limit: int = 1000) -> list[dict[str, str]]:
    """Return `per_site` named places (cameras, say) at each point of `kinds` in vn_poi.csv."""
    with (GEO_DIR / "vn_poi.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["kind"] in kinds]
    out = []
    for n in range(per_site):
        for r in rows:
            out.append({"id": f"{r['id']}-{n + 1}".upper().replace("_", "-"),
                        "name_vi": f"{r['name_vi']} #{n + 1}", "area": r["province_code"],
                        "site": r["id"]})
    return out[:limit]
