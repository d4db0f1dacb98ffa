"""Rebuild seed/indicators.csv from ../shared/data/indicators: every catalogued series.

Run from the repository root: `python -m data_feeds.seed.curate ../shared/data/indicators`.
Rows are copied as published (values untouched); NSDP, WDI and MOF rows are put in the GSO long
format. Monthly and quarterly series are kept from 2012 on, annual ones whole. GSO tables keep
their headline row (and the breakdowns in EXTRA_BREAKDOWNS); the province rows of public
investment are kept for the map.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from wall.config import load_settings

COLUMNS = ["indicator_code", "indicator_name_vi", "indicator_name_en", "area_code",
           "breakdown_group", "breakdown_vi", "period", "value", "unit", "status", "source",
           "source_file"]
FIRST_PERIOD = "2012"
# The row a GSO table heads with, in the spellings of 2000–2024, for codes without `headline`.
HEADLINE_LABELS = {"TỔNG SỐ", "Tổng số", "TỔNG TRỊ GIÁ", "Toàn ngành công nghiệp",
                   "TOÀN NGÀNH CÔNG NGHIỆP", "Toàn ngành", "CHỈ SỐ GIÁ TIÊU DÙNG",
                   "Chỉ số giá tiêu dùng", "chỉ số giá tiêu dùng"}
NEW_ENTERPRISES = "Doanh nghiệp đăng ký thành lập mới (DN)"
SECTORS = {"Khu vực có vốn đầu tư NN", "Khu vực kinh tế trong nước"}
EXTRA_BREAKDOWNS = {"ENT_": {NEW_ENTERPRISES}, "EXPORTS_": SECTORS, "IMPORTS_": SECTORS}
PROVINCE_GROUP_PREFIX = "Phân theo một số tỉnh"
PROVINCE_INDICATORS = {"PUBINV_SB_YTD"}


def _extra(code: str) -> set[str]:
    return next((v for k, v in EXTRA_BREAKDOWNS.items() if code.startswith(k)), set())


def keep(row: dict[str, str], headline: dict[str, set[str]]) -> bool:
    """Whether a published row belongs in the seed (a catalogued series, in its time span)."""
    code, period = row["indicator_code"], row["period"]
    if code not in headline or (len(period) > 4 and period < FIRST_PERIOD):
        return False
    label, group = row.get("breakdown_vi", ""), row.get("breakdown_group", "")
    if label in _extra(code):
        return True
    if not label or label in (headline[code] or HEADLINE_LABELS):
        return not group
    return code in PROVINCE_INDICATORS and group.startswith(PROVINCE_GROUP_PREFIX)


def main(source_dir: str) -> None:
    """Write data_feeds/seed/indicators.csv from the shared indicator files."""
    catalogue = load_settings().catalogue
    headline = {i.code: set(i.headline) for i in catalogue.indicators if not i.derived}
    out = Path(__file__).with_name("indicators.csv")
    kept = 0
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, COLUMNS)
        writer.writeheader()
        for path in sorted(Path(source_dir).glob("*.csv")):
            with path.open(encoding="utf-8", newline="") as src:
                for row in csv.DictReader(src):
                    if "indicator_code" not in row or not keep(row, headline):
                        continue
                    writer.writerow({c: row.get(c, "") or "" for c in COLUMNS})
                    kept += 1
    print(f"{kept} rows -> {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/indicators")
