"""Province codes and names: the 63→34 map of Resolution 202/2025/QH15 and the map files."""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["GEO_DIR", "ATTRIBUTION_VI", "AREA_63_PREFIX", "archipelagos", "area_63",
           "code_of_area_63", "normalise_name", "poi_sites", "province_code_63",
           "province_indicator_codes", "provinces_34",
           "provinces_34_geojson", "provinces_63", "successor", "predecessors"]

GEO_DIR = Path(__file__).resolve().parent.parent / "assets" / "geo"
PROVINCE_CATALOGUE = Path(__file__).resolve().parent.parent / "config" / "catalogue.d" / \
    "provinces.yaml"
ATTRIBUTION_VI = (
    "Ranh giới hành chính: Open Development Vietnam / Cục Đo đạc và Bản đồ Việt Nam "
    "(CC BY-SA 4.0), biến đổi và sáp nhập theo Nghị quyết 202/2025/QH15. Mã đơn vị hành chính: "
    "Tổng cục Thống kê. Điểm: Wikipedia (CC BY-SA 4.0), GeoNames (CC BY 4.0), airportsdata (MIT), "
    "searoute (Apache-2.0)."
)
_PREFIXES = ("thanhpho", "tp", "tinh", "thuathien")

# The 34 units of 2025 reuse some 63-edition codes ("79" is Hồ Chí Minh in both, but the 2025
# unit also holds Bình Dương and Bà Rịa - Vũng Tàu). A plain two-digit area is always the
# 34-edition unit (values before July 2025 summed or averaged to its territory); a value on the
# boundaries of the 63 provinces (2008 – 30 June 2025) is stored under area "63-<code>".
AREA_63_PREFIX = "63-"


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


def area_63(old_code: str) -> str:
    """Return the store's area for a 63-edition province code: "02" -> "63-02"."""
    return AREA_63_PREFIX + old_code


def code_of_area_63(area: str) -> str | None:
    """Return the 63-edition code of an area "63-02", or None for any other area."""
    return area[len(AREA_63_PREFIX):] if area.startswith(AREA_63_PREFIX) else None


@lru_cache(maxsize=1)
def province_indicator_codes() -> tuple[str, ...]:
    """Return the codes of the province statistics (config/catalogue.d/provinces.yaml)."""
    import yaml

    if not PROVINCE_CATALOGUE.is_file():
        return ()
    data = yaml.safe_load(PROVINCE_CATALOGUE.read_text(encoding="utf-8")) or {}
    return tuple(i["code"] for i in data.get("indicators", []))


@lru_cache(maxsize=1)
def provinces_63() -> list[dict[str, str]]:
    """Return the 63 provinces of 2008 – June 2025: code, name_vi, name_en, new_code."""
    features = json.loads((GEO_DIR / "vn_provinces_63_2008-2025.geojson")
                          .read_text(encoding="utf-8"))["features"]
    keep = ("code", "name_vi", "name_full_vi", "name_en", "new_code", "new_name_vi")
    return sorted(({k: f["properties"][k] for k in keep} for f in features),
                  key=lambda p: p["code"])


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
