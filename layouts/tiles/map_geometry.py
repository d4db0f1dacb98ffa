"""Map geometry: province outlines of both boundary editions, Hoàng Sa and Trường Sa, and the
points of interest, simplified once for a national view and shared by every map drawn."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import geopandas as gpd
from shapely.geometry.base import BaseGeometry

from wall.geo import GEO_DIR, area_63

__all__ = ["EDITIONS", "EXTENT", "LAT_MID", "POI_STYLE", "archipelagos", "points_of_interest",
           "province_outlines"]

SIMPLIFY_DEG = 0.008  # ≈ 1 px at a 4K wall's national zoom
LAT_MID = 16.0  # lon/lat drawn with x stretched by 1/cos(16°): true shapes at mid-country
EXTENT = (101.9, 6.3, 117.6, 23.6)  # west, south, east, north: the mainland, both archipelagos
# and their names (Trường Sa reaches 6.95°N)
# Boundary editions: the 34 units since 1 July 2025 (areas "01"…), the 63 provinces of
# 2008 – 30 June 2025 (areas "63-01"…, see wall.geo.area_63). Same source and treatment.
EDITIONS = {"34": "vn_provinces_34_2025.geojson", "63": "vn_provinces_63_2008-2025.geojson"}


def _rings(geom: BaseGeometry) -> tuple[list[float | None], list[float | None]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    polys = getattr(geom, "geoms", [geom])
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            cx, cy = ring.coords.xy
            xs += [round(v, 4) for v in cx] + [None]
            ys += [round(v, 4) for v in cy] + [None]
    return xs, ys


@lru_cache(maxsize=2)
def province_outlines(edition: str = "34") -> list[dict[str, Any]]:
    """Return an edition's provinces as simplified rings: code, area, names, xs, ys, label."""
    gdf = gpd.read_file(GEO_DIR / EDITIONS[edition])
    gdf["geometry"] = gdf.geometry.simplify(SIMPLIFY_DEG, preserve_topology=True)
    out = []
    for row in gdf.itertuples():
        xs, ys = _rings(row.geometry)
        mainland = max(getattr(row.geometry, "geoms", [row.geometry]), key=lambda g: g.area)
        pt = mainland.representative_point()
        area = area_63(row.code) if edition == "63" else row.code
        out.append({"code": row.code, "area": area, "name_vi": row.name_vi,
                    "name_en": row.name_en, "xs": xs, "ys": ys, "label": (pt.x, pt.y)})
    return sorted(out, key=lambda p: p["code"])


@lru_cache(maxsize=1)
def archipelagos() -> tuple[list[float | None], list[float | None], list[dict[str, Any]]]:
    """Return the islets' rings (each as a small hull, visible at national zoom) and the
    archipelagos' labels: x, top, bottom, text, owning province and its name."""
    owners = {p["code"]: p["name_vi"] for p in province_outlines("34")}
    gdf = gpd.read_file(GEO_DIR / "vn_archipelagos.geojson")
    xs: list[float | None] = []
    ys: list[float | None] = []
    labels = []
    for row in gdf.itertuples():
        if row.role == "islands":
            # tiny islets: draw each as its hull so they stay visible at national zoom
            for part in getattr(row.geometry, "geoms", [row.geometry]):
                hx, hy = _rings(part.convex_hull.buffer(0.03))
                xs += hx
                ys += hy
        else:
            west, south, east, north = (float(v) for v in row.bbox)
            labels.append({"x": (west + east) / 2, "top": north, "bottom": south,
                           "text": row.label_vi, "owner": row.province_code,
                           "owner_vi": owners.get(row.province_code, "")})
    return xs, ys, labels


POI_STYLE = {"border_gate_road": ("Cửa khẩu", "#ff8a65", "diamond"),
             "airport": ("Sân bay", "#4fc3f7", "triangle-up"),
             "seaport": ("Cảng biển", "#aed581", "square"),
             "dam": ("Đập thủy điện", "#ba68c8", "circle")}


@lru_cache(maxsize=1)
def points_of_interest() -> list[dict[str, str]]:
    """Return border gates, airports, seaports and dams (assets/geo/vn_poi.csv)."""
    import csv

    with (GEO_DIR / "vn_poi.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
