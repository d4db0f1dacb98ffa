"""Every catalogued indicator has a Vietnamese name, a Vietnamese unit and a tile label."""

from __future__ import annotations

import unicodedata

import pytest

from data_feeds.seed import catalogue_gen
from wall.config import Indicator, load_settings

# Names allowed without a Vietnamese-specific letter (acronym-only names). Keep it tiny.
ACRONYM_NAMES: frozenset[str] = frozenset()
# Codes whose Vietnamese name may equal the English one. Keep it tiny.
SAME_NAME_CODES: frozenset[str] = frozenset()
_VI_BASES = set("đĐăĂâÂêÊôÔơƠưƯ")
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền sắc ngã hỏi nặng


def _vietnamese(text: str) -> bool:
    """Whether text has a letter only Vietnamese spelling uses (đ, ă, â, ê, ô, ơ, ư, a tone)."""
    for ch in text:
        if ch in _VI_BASES:
            return True
        decomposed = unicodedata.normalize("NFD", ch)
        if decomposed[0].isalpha() and _TONES & set(decomposed[1:]):
            return True
    return False


@pytest.fixture(scope="module")
def indicators() -> list[Indicator]:
    return load_settings().catalogue.indicators


def test_the_letter_check_tells_vietnamese_from_english() -> None:
    assert _vietnamese("Khai khoáng") and _vietnamese("Dư nợ") and _vietnamese("Đơn")
    assert not _vietnamese("Renewable energy consumption") and not _vietnamese("tong chi")
    assert _vietnamese("Cà phê")


def test_every_name_vi_is_vietnamese_and_not_the_code(indicators: list[Indicator]) -> None:
    bad = [(i.code, i.name_vi) for i in indicators
           if i.name_vi.strip() == i.code
           or not (_vietnamese(i.name_vi) or i.name_vi in ACRONYM_NAMES)]
    assert not bad


def test_no_name_vi_is_just_the_english_name(indicators: list[Indicator]) -> None:
    bad = [i.code for i in indicators
           if i.name_vi.strip() == i.name_en.strip() and i.code not in SAME_NAME_CODES]
    assert not bad


def test_every_indicator_has_a_tile_label_and_a_unit(indicators: list[Indicator]) -> None:
    no_short = [i.code for i in indicators if not i.short_vi.strip() or not i.short_en.strip()]
    too_long = [(i.code, i.short_vi) for i in indicators
                if len(i.short_vi) > catalogue_gen.SHORT_MAX]
    no_unit = [i.code for i in indicators if not (i.display.unit_vi.strip() or i.unit.strip())]
    assert not no_short and not too_long and not no_unit
    assert catalogue_gen.SHORT_MAX == 38


def test_published_entries_carry_a_vietnamese_unit_label(indicators: list[Indicator]) -> None:
    """Generated entries never fall back to the raw (English) unit on a tile."""
    generated = {i.code for i in indicators if i.owner.startswith(
        tuple(catalogue_gen.OWNER.values()))}
    missing = [i.code for i in indicators if i.code in generated and not i.display.unit_vi]
    assert generated and not missing


def test_a_row_without_vietnamese_name_gets_the_curated_name() -> None:
    """The generator's own naming path on a source row as it comes (no indicator_name_vi)."""
    naming = catalogue_gen.load_names()
    out = catalogue_gen.name_entry("TMG_H5_84T86_CIF_USD", "", "TMG_H5_84T86_CIF_USD", naming)
    term = naming.terms["hsm:84T86"]
    assert out["name_vi"] == f"Nhập khẩu hàng hóa — {term.name_vi}"
    assert out["short_vi"] == f"Nhập khẩu {term.short_vi}"
    assert out["name_en"] == "TMG_H5_84T86_CIF_USD"  # no English override in the table

    wdi = catalogue_gen.name_entry("EN.ATM.CO2E.PC", "", "CO2 emissions (metric tons per capita)",
                                   naming)
    assert wdi["name_vi"] == naming.codes["EN.ATM.CO2E.PC"].name_vi
    assert wdi["name_en"] == "CO2 emissions (metric tons per capita)"


def test_a_source_name_is_kept_unless_it_is_only_a_breakdown_label() -> None:
    naming = catalogue_gen.load_names()
    kept = catalogue_gen.name_entry("VNM_BCA_BP6_USD", "Cán cân vãng lai",
                                    "Current Account Balance", naming)
    assert kept["name_vi"] == "Cán cân vãng lai"
    label_only = catalogue_gen.name_entry("AIP_ISIC4_B_IX", "Khai khoáng",
                                          "Mining and Quarying (2015=100)", naming)
    assert label_only["name_vi"] == "Chỉ số sản xuất công nghiệp — Khai khoáng (2015=100)"


def test_a_code_nobody_named_is_reported_not_invented() -> None:
    naming = catalogue_gen.load_names()
    out = catalogue_gen.name_entry("XYZ_NEW_CODE", "", "Some new series", naming)
    assert out["name_vi"] == "Some new series"  # the generator prints it as NO VIETNAMESE NAME
    assert catalogue_gen.display_for("XYZ_NEW_CODE", "million USD")["unit_vi"] == "triệu USD"
    with pytest.raises(KeyError):
        catalogue_gen.display_for("XYZ_NEW_CODE", "furlongs")
