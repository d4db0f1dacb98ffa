"""Write config/catalogue.d/published.yaml: a catalogue entry for every published series code.

Run from the repository root: `python -m data_feeds.seed.catalogue_gen ../shared/data/indicators`.
Codes already curated in config/catalogue.yaml are skipped; units and frequency are taken from the
files as published (the units a code appears with become its allowed units). Names: the source's
Vietnamese name is kept unless `names_vi.csv` (next to this file) gives a better one, which it does
for every code whose source has no Vietnamese name, an unaccented one, or only a breakdown label
("Khai khoáng", "Nam"); every entry also gets a tile label (`short_vi`, `short_en`) from it and a
display unit from `UNITS`. The output is sorted by code, so the same files give the same YAML.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

from wall.analysis.kinds import family
from wall.config import CONFIG_DIR

OUT = CONFIG_DIR / "catalogue.d" / "published.yaml"
NAMES_CSV = Path(__file__).with_name("names_vi.csv")
SHORT_MAX = 38  # a KPI tile title: two lines
GROUP_BY_DOMAIN = {"BOP6": 1, "NAG": 1, "CPI": 1, "EXR": 1, "INR": 1, "CGD": 1, "GGO": 1,
                   "IIP": 2, "PPI": 2, "AIP": 2, "LMA": 3, "POP": 3, "ITS": 2, "MFS": 1,
                   "SPI": 1, "EXD": 1, "CGO": 1}
OWNER = {"gso_": "Cục Thống kê (GSO/NSO)",
         "nsdp_": "GSO / Ngân hàng Nhà nước / Bộ Tài chính (NSDP)",
         "mof_": "Bộ Tài chính", "wdi_": "Ngân hàng Thế giới (WDI)"}

# Raw unit (as published; records are validated against it) -> (unit_vi, unit_en, decimals).
UNITS: dict[str, tuple[str, str, int]] = {
    "billion VND": ("tỷ đồng", "billion VND", 0),
    "billion VND (current prices)": ("tỷ đồng", "billion VND", 0),
    "million USD": ("triệu USD", "million USD", 1),
    "thousand VND": ("nghìn đồng", "thousand VND", 0),
    "VND per USD": ("đồng/USD", "VND per USD", 0),
    "thousand persons": ("nghìn người", "thousand persons", 1),
    "thousand arrivals": ("nghìn lượt khách", "thousand arrivals", 1),
    "DN": ("doanh nghiệp", "firms", 0),
    "percent": ("%", "%", 2),
    "percent change": ("%", "%", 2),
    "annual %": ("%", "%", 2),
    "% of GDP": ("%", "%", 2),
    "% of total population": ("%", "%", 1),
    "% of working-age population": ("%", "%", 1),
    "% of total labor force": ("%", "%", 2),
    "% of total final energy consumption": ("%", "%", 1),
    "% of annual plan": ("% KH năm", "% of plan", 1),
    "index": ("chỉ số", "index", 2),
    "index (base 2015)": ("chỉ số (2015=100)", "index (2015=100)", 1),
    "index (base 2019)": ("chỉ số (2019=100)", "index (2019=100)", 2),
    "index (same period previous year = 100)": ("chỉ số (cùng kỳ năm trước = 100)",
                                                "index (same period last year = 100)", 2),
    "index (previous month = 100)": ("chỉ số (tháng trước = 100)",
                                     "index (previous month = 100)", 2),
    "x10^0": ("%", "%", 2),  # CPI weights: shares of the basket, PCPI_WT = 100
    "per 1,000 people": ("‰", "per 1,000", 1),
    "births per woman": ("con/phụ nữ", "births per woman", 2),
    "metric tons per capita": ("tấn/người", "t per capita", 2),
}
STOCK_INDEX_UNIT = ("điểm", "points", 2)  # "index (base <launch date>)" of the stock indices
# Display changes that the unit alone cannot say (the value is stored as published).
DISPLAY_OVERRIDES: dict[str, dict[str, Any]] = {
    # Published as a fraction (-0.018 = GGBOB / GGBNGDP) under the unit "percent".
    "VNM_GGO_GGBOB_GDP_PT": {"scale": 100.0, "decimals": 2, "unit_vi": "% GDP",
                             "unit_en": "% of GDP"},
}


@dataclass(frozen=True)
class _Row:
    kind: str
    key: str
    name_vi: str
    name_en: str
    short_vi: str
    short_en: str


@dataclass(frozen=True)
class Naming:
    """The curated naming table: code rows, patterns (in file order) and lookup terms."""

    codes: dict[str, _Row]
    patterns: list[tuple[re.Pattern[str], _Row]]
    terms: dict[str, _Row]


def load_names(path: Path = NAMES_CSV) -> Naming:
    """Read names_vi.csv (rows whose kind starts with '#' are comments)."""
    codes: dict[str, _Row] = {}
    patterns: list[tuple[re.Pattern[str], _Row]] = []
    terms: dict[str, _Row] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for n, rec in enumerate(csv.DictReader(fh), start=2):
            kind = (rec.get("kind") or "").strip()
            if not kind or kind.startswith("#"):
                continue
            # Fields are not stripped: a term may start with a space (" (nước ngoài)").
            row = _Row(kind, rec["key"].strip(), rec["name_vi"], rec["name_en"],
                       rec["short_vi"], rec["short_en"])
            if kind == "code":
                codes[row.key] = row
            elif kind == "pattern":
                patterns.append((re.compile(row.key), row))
            elif kind == "term":
                terms[row.key] = row
            else:
                raise ValueError(f"{path}:{n}: unknown kind {kind!r}")
    return Naming(codes, patterns, terms)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _has_vietnamese(text: str) -> bool:
    """Whether a source name is written with Vietnamese letters (the MOF file's is unaccented)."""
    return any(ord(ch) > 127 and ch.isalpha() for ch in text)


def name_entry(code: str, name_vi: str, name_en: str,
               naming: Naming | None = None) -> dict[str, str]:
    """Return name_vi, name_en, short_vi, short_en for one code from its source names.

    The curated row for the code, or the first pattern matching it, fills its templates
    ({group.field} from the term table named after the group, {src_vi}, {src_en}); an empty
    curated name keeps the source's. Without any row the source names are used and the tile
    label is the name cut at a word; the caller reports such codes.
    """
    naming = naming or load_names()
    src_vi, src_en = _clean(name_vi), _clean(name_en) or code
    row, values = naming.codes.get(code), {}
    if row is None:
        for rx, candidate in naming.patterns:
            m = rx.match(code)
            if m:
                row = candidate
                for group, text in m.groupdict().items():
                    key = (text or "").strip()
                    term = naming.terms.get(f"{group}:{key}")
                    if term is None:
                        raise KeyError(f"{code}: no term {group}:{key} in {NAMES_CSV.name}")
                    values[group] = SimpleNamespace(key=key, name_vi=term.name_vi,
                                                    name_en=term.name_en,
                                                    short_vi=term.short_vi,
                                                    short_en=term.short_en)
                break
    if row is None:
        vi = src_vi if _has_vietnamese(src_vi) else src_en
        return {"name_vi": vi, "name_en": src_en, "short_vi": _cut(vi), "short_en": _cut(src_en)}

    def fill(template: str) -> str:
        return _clean(template.format(src_vi=src_vi, src_en=src_en, **values))

    out_vi = fill(row.name_vi) or src_vi
    if not out_vi:
        raise ValueError(f"{code}: the source has no Vietnamese name and the row gives none")
    short_vi = fill(row.short_vi)
    if len(short_vi) > SHORT_MAX:
        raise ValueError(f"{code}: short_vi {short_vi!r} is over {SHORT_MAX} characters")
    return {"name_vi": out_vi, "name_en": fill(row.name_en) or src_en, "short_vi": short_vi,
            "short_en": fill(row.short_en) or _cut(src_en)}


def _cut(text: str) -> str:
    if len(text) <= SHORT_MAX:
        return text
    return text[:SHORT_MAX - 1].rsplit(" ", 1)[0] + "…"


def display_for(code: str, unit: str) -> dict[str, Any]:
    """The display block for a raw unit: unit labels and decimals (values are not rescaled)."""
    if code in DISPLAY_OVERRIDES:
        return dict(DISPLAY_OVERRIDES[code])
    if unit in UNITS:
        unit_vi, unit_en, decimals = UNITS[unit]
    elif unit.startswith("index (base "):
        unit_vi, unit_en, decimals = STOCK_INDEX_UNIT
    else:
        raise KeyError(f"{code}: unit {unit!r} has no Vietnamese label in UNITS")
    return {"decimals": decimals, "unit_vi": unit_vi, "unit_en": unit_en}


def _frequency(row: dict[str, str]) -> str:
    freq = row.get("freq") or ""
    if freq in {"M", "Q", "A"}:
        return freq
    period = row["period"]
    if "-Q" in period:
        return "Q"
    if "-S" in period:
        return "S"
    return "M" if len(period) == 7 else "A"


def _group(path: Path, row: dict[str, str]) -> int:
    name = path.name
    if "enterprises" in name:
        return 6
    if "public_investment" in name or "mof_" in name or "fiscal" in name:
        return 1
    if any(k in name for k in ("trade", "iip", "retail", "arrivals")):
        return 2
    if "wdi_" in name:
        return 3 if row["indicator_code"].startswith(("SP.", "SH.", "SL.")) else 1
    return GROUP_BY_DOMAIN.get(row.get("data_domain", ""), 1)


def main(source_dir: str) -> None:
    """Generate the published-series catalogue file."""
    main = yaml.safe_load((CONFIG_DIR / "catalogue.yaml").read_text(encoding="utf-8"))
    curated = {i["code"] for i in main["indicators"]}
    # every measure of a GSO table names its total row as the curated measure of that table does,
    # so the headline series of `EXPORTS_YTD` is the total, as it is for `EXPORTS_M`
    headlines = {family(i["code"]): i["headline"] for i in main["indicators"]
                 if i.get("headline")}
    naming = load_names()
    seen: dict[str, dict[str, Any]] = {}
    units: dict[str, set[str]] = defaultdict(set)
    uncurated: list[str] = []
    for path in sorted(Path(source_dir).glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                code = row.get("indicator_code")
                if not code:
                    continue
                units[code].add(row["unit"])
                if code in seen or code in curated:
                    continue
                owner = next((v for k, v in OWNER.items() if path.name.startswith(k)), "")
                names = name_entry(code, row.get("indicator_name_vi") or "",
                                   row.get("indicator_name_en") or "", naming)
                if names["name_vi"] in (code, names["name_en"]):
                    uncurated.append(code)
                seen[code] = {"code": code, **names, "group": _group(path, row),
                              "unit": row["unit"], "frequency": _frequency(row), "owner": owner,
                              "stale_after": {"M": "40d", "Q": "120d", "S": "200d"}.get(
                                  _frequency(row), "400d"),
                              "display": display_for(code, row["unit"])}
                if family(code) in headlines and family(code) != code:
                    seen[code]["headline"] = headlines[family(code)]
    for code, entry in seen.items():
        extra = sorted(units[code] - {entry["unit"]})
        if extra:
            entry["alt_units"] = extra
    for code in sorted(curated & units.keys()):
        print(f"curated {code}: units in data {sorted(units[code])}")
    for code in sorted(uncurated):
        print(f"NO VIETNAMESE NAME for {code}: add a row to {NAMES_CSV.name}")
    OUT.parent.mkdir(exist_ok=True)
    body = {"apiVersion": 1, "indicators": [_ordered(seen[c]) for c in sorted(seen)]}
    header = ("# Generated by `python -m data_feeds.seed.catalogue_gen` from the published files\n"
              "# (see data_feeds/seed/README.md); names from data_feeds/seed/names_vi.csv.\n"
              "# Curated entries live in ../catalogue.yaml.\n")
    OUT.write_text(header + yaml.safe_dump(body, allow_unicode=True, sort_keys=False,
                                           width=100), encoding="utf-8")
    print(f"{len(seen)} indicators -> {OUT}")


def _ordered(entry: dict[str, Any]) -> dict[str, Any]:
    order = ("code", "name_vi", "name_en", "short_vi", "short_en", "group", "unit", "alt_units",
             "frequency", "owner", "stale_after", "headline", "display")
    return {k: entry[k] for k in order if k in entry}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/indicators")
