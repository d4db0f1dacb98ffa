"""Rebuild seed/indicators.csv from ../shared/data/indicators: the catalogue's series, 2012 on.

Run from the repository root: `python -m data_feeds.seed.curate ../shared/data/indicators`.
Rows are copied as published (values untouched); NSDP and WDI rows are put in the GSO long format.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import yaml

from wall.config import CONFIG_DIR, load_settings

COLUMNS = ["indicator_code", "indicator_name_vi", "indicator_name_en", "area_code",
           "breakdown_group", "breakdown_vi", "period", "value", "unit", "status", "source",
           "source_file"]
FIRST_PERIOD = "2012"
EXTRA_BREAKDOWNS = {
    "ENT_M": {"Doanh nghiệp đăng ký thành lập mới (DN)"},
    "EXPORTS_M": {"Khu vực có vốn đầu tư NN", "Khu vực kinh tế trong nước"},
    "IMPORTS_M": {"Khu vực có vốn đầu tư NN", "Khu vực kinh tế trong nước"},
}
PROVINCE_GROUP_PREFIX = "Phân theo một số tỉnh"
PROVINCE_INDICATORS = {"PUBINV_SB_YTD"}


def _keep(row: dict[str, str], headline: dict[str, set[str]]) -> bool:
    code = row["indicator_code"]
    if code not in headline or row["period"] < FIRST_PERIOD:
        return False
    label = row.get("breakdown_vi", "")
    group = row.get("breakdown_group", "")
    if not label or label in headline[code] or label in EXTRA_BREAKDOWNS.get(code, set()):
        return not group or label in EXTRA_BREAKDOWNS.get(code, set())
    return code in PROVINCE_INDICATORS and group.startswith(PROVINCE_GROUP_PREFIX)


def main(source_dir: str) -> None:
    """Write data_feeds/seed/indicators.csv from the shared indicator files."""
    curated = {i["code"] for i in yaml.safe_load(
        (CONFIG_DIR / "catalogue.yaml").read_text(encoding="utf-8"))["indicators"]}
    catalogue = load_settings().catalogue
    headline = {i.code: set(i.headline) for i in catalogue.indicators
                if not i.derived and i.code in curated}
    out = Path(__file__).with_name("indicators.csv")
    kept = 0
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, COLUMNS)
        writer.writeheader()
        for path in sorted(Path(source_dir).glob("*.csv")):
            with path.open(encoding="utf-8", newline="") as src:
                for row in csv.DictReader(src):
                    if "indicator_code" not in row or not _keep(row, headline):
                        continue
                    writer.writerow({c: row.get(c, "") or "" for c in COLUMNS})
                    kept += 1
    print(f"{kept} rows -> {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/indicators")
