"""SDMX-ML feed over real NSDP excerpts: periods, UNIT_MULT, series mapping, rejects, re-reads."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from lxml import etree

from data_feeds.base import FeedError, Rejected, feed_class
from data_feeds.runner import FeedRunner
from data_feeds.sdmx import (
    SdmxFeed,
    catalogue_multiplier,
    normalise_period,
    read_sdmx,
)
from wall.config import Catalogue, DataGroup, FeedSpec, Indicator, WallSettings
from wall.observation import Observation
from wall.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sdmx"
CPI = FIXTURES / "CPIVNM_excerpt.xml"
PPI = FIXTURES / "PPIVNM_excerpt.xml"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "sdmx"
REAL_FILES = {"CPIVNM.xml": 1683, "IIPVNM.xml": 470, "PPIVNM.xml": 768,
              "SBV.EXR_Vietnam.xml": 232}


def _split(items: list[Observation | Rejected]) -> tuple[list[Observation], list[Rejected]]:
    good = [i for i in items if isinstance(i, Observation)]
    bad = [i for i in items if isinstance(i, Rejected)]
    assert len(good) + len(bad) == len(items)
    return good, bad


def _published(path: Path, indicator: str) -> dict[str, str]:
    """Return {TIME_PERIOD: OBS_VALUE text} of one series, read straight from the file."""
    root = etree.parse(str(path)).getroot()
    series = next(s for s in root.iter("{*}Series") if s.get("INDICATOR") == indicator)
    return {o.get("TIME_PERIOD"): o.get("OBS_VALUE") for o in series}


def _catalogue(**units: str) -> Catalogue:
    """A small catalogue: indicator code → unit."""
    return Catalogue.model_validate({
        "apiVersion": 1,
        "groups": [DataGroup(id=1, name_vi="Kinh tế vĩ mô", name_en="Macro economy")],
        "indicators": [Indicator(code=code, name_vi=code, name_en=code, group=1, unit=unit,
                                 frequency="M", owner="test") for code, unit in units.items()]})


def _variant(tmp_path: Path, source: Path, *edits: tuple[bytes, bytes], name: str = "",
             count: int = 1) -> Path:
    """Copy a fixture with the first `count` occurrences of each `old` replaced by `new`."""
    data = source.read_bytes()
    for old, new in edits:
        assert old in data, old
        data = data.replace(old, new, count)
    path = tmp_path / (name or source.name)
    path.write_bytes(data)
    return path


def _feed(catalogue: Catalogue, path: Path, **settings: object) -> SdmxFeed:
    spec = FeedSpec(id="nsdp-sdmx", kind="sdmx", settings={"path": str(path), **settings})
    feed = feed_class("sdmx")(spec, catalogue)
    assert isinstance(feed, SdmxFeed)
    return feed


# -- the excerpts, with the repository's catalogue --------------------------------------------
def test_monthly_cpi_excerpt_gives_every_published_value(settings: WallSettings) -> None:
    good, bad = _split(read_sdmx(CPI, settings.catalogue, "nsdp"))
    assert not bad
    assert len(good) == 3 * 51
    assert {o.indicator for o in good} == {"PCPI_IX", "PCPI_WT", "PCPICO_PC_PP_PT"}
    cpi = {o.period: o for o in good if o.indicator == "PCPI_IX"}
    published = _published(CPI, "PCPI_IX")
    assert sorted(cpi) == sorted(published)
    assert min(cpi) == "2020-08" and max(cpi) == "2024-10"
    assert all(cpi[p].value == float(v) for p, v in published.items())
    assert cpi["2020-08"].value == 102.8928
    assert cpi["2020-08"].unit == "index (base 2019)"
    o = cpi["2024-10"]
    assert (o.area, o.source, o.status, o.dims, o.revision) == ("VN", "nsdp", "ok", {}, 0)
    assert o.observed_at.endswith("+00:00")


def test_quarterly_ppi_excerpt(settings: WallSettings) -> None:
    good, bad = _split(read_sdmx(PPI, settings.catalogue, "nsdp"))
    assert not bad
    assert len(good) == 55 + 39
    services = sorted(o.period for o in good
                      if o.indicator == "VNM_PPPI_ISIC4_HTJ_PTR_BY_PP_IX")
    assert len(services) == 39 and services[0] == "2015-Q1" and services[-1] == "2024-Q3"
    agri = {o.period: o.value for o in good if o.indicator == "PPPI_ISIC4_A_BY_PP_IX"}
    assert agri["2011-Q1"] == 117.872062953239
    assert agri["2024-Q3"] == 109.34264402862087


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared/data/sdmx is not beside the repo")
@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_each_whole_real_file_reads_without_a_reject(settings: WallSettings, name: str) -> None:
    good, bad = _split(read_sdmx(SHARED / name, settings.catalogue, "nsdp"))
    assert not bad
    assert len(good) == REAL_FILES[name]
    assert all(o.area == "VN" and not o.dims for o in good)


def test_excerpts_are_byte_for_byte_parts_of_the_real_files() -> None:
    if not SHARED.is_dir():
        pytest.skip("shared/data/sdmx is not beside the repo")
    tail = b"</message:DataSet></message:StructureSpecificData>"
    for excerpt, real in ((CPI, "CPIVNM.xml"), (PPI, "PPIVNM.xml")):
        whole, data = (SHARED / real).read_bytes(), excerpt.read_bytes()
        head, _, rest = data.partition(b"<Series ")
        assert whole.startswith(head) and whole.endswith(tail) and data.endswith(tail)
        chunks = (b"<Series " + rest)[: -len(tail)].split(b"</Series>")
        assert chunks[-1] == b"" and len(chunks) > 2
        assert all(whole.count(c + b"</Series>") == 1 for c in chunks[:-1])


# -- UNIT_MULT and units ----------------------------------------------------------------------
@pytest.mark.parametrize(("unit", "mult"), [
    ("billion VND (current prices)", 9), ("million USD", 6), ("thousand persons", 3),
    ("index (base 2019)", 0), ("x10^0", 0), ("x10^3", 3), ("Tỷ đồng", 9), ("VND per USD", 0)])
def test_catalogue_multiplier(unit: str, mult: int) -> None:
    assert catalogue_multiplier(unit) == mult


def test_unit_mult_scales_to_the_catalogue_unit(tmp_path: Path) -> None:
    # The published files all say UNIT_MULT="0"; here the first series (PCPI_IX) says 6
    path = _variant(tmp_path, CPI, (b'UNIT_MULT="0"', b'UNIT_MULT="6"'))
    published = _published(CPI, "PCPI_IX")
    cases = {"billion VND": 1e-3, "million VND": 1.0, "thousand VND": 1e3, "VND": 1e6}
    for unit, factor in cases.items():
        catalogue = _catalogue(PCPI_IX=unit)
        good, bad = _split(read_sdmx(path, catalogue, "t"))
        assert len(good) == 51 and len(bad) == 2 * 51  # PCPI_WT, PCPICO_PC_PP_PT unmapped
        for o in good:
            assert o.unit == unit
            assert o.value == pytest.approx(float(published[o.period]) * factor, rel=1e-12)
    good, _ = _split(read_sdmx(path, _catalogue(PCPI_IX="billion VND"), "t",
                               scale_to_catalogue=False))
    assert all(o.value == float(published[o.period]) for o in good)


def test_unit_mult_zero_against_a_scaled_catalogue_unit(tmp_path: Path) -> None:
    catalogue = _catalogue(PCPI_IX="thousand index points")
    good, _ = _split(read_sdmx(CPI, catalogue, "t"))
    assert good[0].period == "2020-08" and good[0].value == pytest.approx(0.1028928)


# -- mapping -----------------------------------------------------------------------------------
def test_series_map_by_indicator_and_by_full_key() -> None:
    catalogue = _catalogue(CPI_2019_IDX="index (base 2019)", CORE_INFL="percent")
    series_map = {"PCPI_IX": "CPI_2019_IDX", "CPI.VN.PCPICO_PC_PP_PT._Z.M": "CORE_INFL"}
    good, bad = _split(read_sdmx(CPI, catalogue, "t", series_map))
    assert {o.indicator for o in good} == {"CPI_2019_IDX", "CORE_INFL"}
    assert len(good) == 2 * 51
    core = {o.period: o.value for o in good if o.indicator == "CORE_INFL"}
    assert core["2024-10"] == 2.68
    assert len(bad) == 51 and all("PCPI_WT" in r.reason for r in bad)


def test_series_map_with_the_repository_catalogue(settings: WallSettings) -> None:
    feed = _feed(settings.catalogue, CPI, series_map={"PCPICO_PC_PP_PT": "CPI_M_YOY_IDX"})
    good, bad = _split(list(feed.poll()))
    assert not bad
    assert {o.indicator for o in good} == {"PCPI_IX", "PCPI_WT", "CPI_M_YOY_IDX"}
    target = settings.catalogue.get("CPI_M_YOY_IDX")
    assert target is not None
    assert {o.unit for o in good if o.indicator == "CPI_M_YOY_IDX"} == {target.unit}


def test_unmapped_series_is_rejected_with_its_attributes() -> None:
    good, bad = _split(read_sdmx(CPI, _catalogue(PCPI_IX="index (base 2019)"), "t"))
    assert len(good) == 51 and len(bad) == 2 * 51
    reject = next(r for r in bad if r.raw["INDICATOR"] == "PCPI_WT")
    assert "series CPI.VN.PCPI_WT._Z.M not mapped to a catalogue indicator" in reject.reason
    assert reject.raw == {"DATA_DOMAIN": "CPI", "REF_AREA": "VN", "INDICATOR": "PCPI_WT",
                          "COUNTERPART_AREA": "_Z", "FREQ": "M", "BASE_PER": "_Z",
                          "UNIT_MULT": "0", "TIME_PERIOD": "2020-08", "OBS_VALUE": "100"}


def test_a_map_to_a_code_not_in_the_catalogue_is_rejected() -> None:
    good, bad = _split(read_sdmx(PPI, _catalogue(), "t", {"PPPI_ISIC4_A_BY_PP_IX": "NOPE"}))
    assert not good and len(bad) == 55 + 39
    assert sum("mapped to 'NOPE', which is not in the catalogue" in r.reason for r in bad) == 55


# -- periods, areas, values -------------------------------------------------------------------
@pytest.mark.parametrize(("text", "freq", "period"), [
    ("2024-10", "M", "2024-10"), ("2024-M10", "M", "2024-10"), ("2024M01", "M", "2024-01"),
    ("2024-Q3", "Q", "2024-Q3"), ("2024Q3", "Q", "2024-Q3"), ("2024-q1", "Q", "2024-Q1"),
    ("2024", "A", "2024"), ("2024-A1", "A", "2024"), ("2024-S2", "S", "2024-S2"),
    ("2024Q3", None, "2024-Q3"), ("2024", None, "2024")])
def test_periods_are_normalised(text: str, freq: str | None, period: str) -> None:
    assert normalise_period(text, freq) == period


@pytest.mark.parametrize(("text", "freq"), [
    ("2024-Q3", "M"), ("2024-10", "Q"), ("2024-13", "M"), ("2024-Q5", "Q"), ("24", "A"),
    ("", "M"), ("2024-10", "D")])
def test_bad_periods_are_refused(text: str, freq: str) -> None:
    with pytest.raises(ValueError):
        normalise_period(text, freq)


def test_period_forms_in_a_file(settings: WallSettings, tmp_path: Path) -> None:
    path = _variant(tmp_path, CPI, (b'TIME_PERIOD="2024-10"', b'TIME_PERIOD="2024-M10"'),
                    (b'TIME_PERIOD="2024-09"', b'TIME_PERIOD="2024-Q3"'))
    good, bad = _split(read_sdmx(path, settings.catalogue, "t"))
    assert len(good) == 3 * 51 - 1
    assert "2024-10" in {o.period for o in good if o.indicator == "PCPI_IX"}
    assert len(bad) == 1 and "'2024-Q3' is not a FREQ M period" in bad[0].reason


def test_nan_or_missing_value_is_rejected_and_the_rest_kept(settings: WallSettings,
                                                           tmp_path: Path) -> None:
    path = _variant(tmp_path, PPI, (b'OBS_VALUE="117.872062953239"', b'OBS_VALUE="NaN"'),
                    (b'OBS_VALUE="101.80395882575819"', b'OBS_VALUE=""'),
                    (b'TIME_PERIOD="2024-Q3" OBS_VALUE="109.34264402862087"',
                     b'TIME_PERIOD="2024-Q3"'))
    good, bad = _split(read_sdmx(path, settings.catalogue, "t"))
    assert len(good) == 55 + 39 - 3
    reasons = sorted(r.reason for r in bad)
    assert len(reasons) == 3
    assert any("OBS_VALUE 'NaN' is not a number" in r for r in reasons)
    assert sum("OBS_VALUE is missing" in r for r in reasons) == 2
    nan = next(r for r in bad if "NaN" in r.reason)
    assert nan.raw["TIME_PERIOD"] == "2011-Q1" and nan.raw["OBS_VALUE"] == "NaN"
    assert nan.reason.startswith("PPIVNM_excerpt.xml: series PPI.VN.PPPI_ISIC4_A_BY_PP_IX._Z.Q")


def test_other_ref_area_is_rejected_and_counterpart_is_kept(settings: WallSettings,
                                                            tmp_path: Path) -> None:
    path = _variant(tmp_path, PPI, (b'REF_AREA="VN"', b'REF_AREA="TH"'),
                    (b'COUNTERPART_AREA="_Z"', b'COUNTERPART_AREA="US"'))
    good, bad = _split(read_sdmx(path, settings.catalogue, "t"))
    assert len(bad) == 55 and "REF_AREA 'TH' is not Viet Nam (VN)" in bad[0].reason
    assert len(good) == 39 and all(o.dims == {} for o in good)  # only the first series edited
    path = _variant(tmp_path, PPI, (b'COUNTERPART_AREA="_Z"', b'COUNTERPART_AREA="US"'))
    good, bad = _split(read_sdmx(path, settings.catalogue, "t"))
    assert not bad
    assert sum(o.dims == {"counterpart": "US"} for o in good) == 55


# -- whole files -------------------------------------------------------------------------------
def test_broken_and_foreign_files_are_one_reject_each_and_the_rest_is_read(
        settings: WallSettings, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    shutil.copy(CPI, folder / "a_cpi.xml")
    shutil.copy(PPI, folder / "c_ppi.XML")
    data = CPI.read_bytes()
    (folder / "b_truncated.xml").write_bytes(data[: len(data) // 2])
    (folder / "d_html.xml").write_bytes(b"<html><body>Service unavailable</body></html>")
    (folder / "e_empty.xml").write_bytes(b"")
    (folder / "notes.txt").write_text("not read", encoding="utf-8")
    feed = _feed(settings.catalogue, folder)
    good, bad = _split(list(feed.poll()))
    assert len(good) == 3 * 51 + 55 + 39
    assert [r.reason.split(":")[0] for r in bad] == ["b_truncated.xml", "d_html.xml",
                                                     "e_empty.xml"]
    assert "not well-formed XML" in bad[0].reason
    assert "not SDMX-ML structure-specific data" in bad[1].reason
    assert all(r.kind == "sdmx_file" and r.raw["file"].endswith(".xml") for r in bad)


def test_a_deletion_message_is_not_read_as_new_values(settings: WallSettings,
                                                      tmp_path: Path) -> None:
    path = _variant(tmp_path, PPI, (b"<message:DataSetAction>Information",
                                    b"<message:DataSetAction>Delete"))
    good, bad = _split(read_sdmx(path, settings.catalogue, "t"))
    assert not good and len(bad) == 1 and "deletion message" in bad[0].reason


def test_a_missing_path_is_a_feed_error(settings: WallSettings, tmp_path: Path) -> None:
    feed = _feed(settings.catalogue, tmp_path / "nowhere")
    with pytest.raises(FeedError, match="does not exist"):
        feed.poll()
    with pytest.raises(FeedError):
        read_sdmx(tmp_path / "nowhere.xml", settings.catalogue, "t")


def test_unchanged_files_are_not_read_again(settings: WallSettings, tmp_path: Path) -> None:
    folder = tmp_path / "sdmx"
    folder.mkdir()
    shutil.copy(CPI, folder / "cpi.xml")
    feed = _feed(settings.catalogue, folder)
    assert len(list(feed.poll())) == 3 * 51
    assert len(list(feed.poll())) == 3 * 51, "not stored yet (no committed): read again"
    feed.committed()
    assert list(feed.poll()) == []
    feed.committed()
    shutil.copy(PPI, folder / "ppi.xml")
    assert len(list(feed.poll())) == 55 + 39, "only the new file"
    feed.committed()
    st_ = (folder / "cpi.xml").stat()
    os.utime(folder / "cpi.xml", ns=(st_.st_atime_ns, st_.st_mtime_ns + 1_000_000_000))
    assert len(list(feed.poll())) == 3 * 51, "touched: read again"
    feed.committed()
    assert list(feed.poll()) == []


def test_runner_stores_once_and_quarantines_rejects(settings: WallSettings, store: Store,
                                                    tmp_path: Path) -> None:
    folder = tmp_path / "sdmx"
    folder.mkdir()
    _variant(folder, PPI, (b'OBS_VALUE="117.872062953239"', b'OBS_VALUE="NaN"'))
    (folder / "broken.xml").write_bytes(PPI.read_bytes()[:500])
    runner = FeedRunner(store, [_feed(settings.catalogue, folder)])
    assert runner.run_once(runner.feeds[0]) == 55 + 39 - 1
    assert store.quarantine_count() == 2
    assert runner.run_once(runner.feeds[0]) == 0
    assert store.quarantine_count() == 2
    latest = store.latest("PPPI_ISIC4_A_BY_PP_IX", "VN", {})[0]
    assert latest is not None and latest.period == "2024-Q3"
    assert latest.value == 109.34264402862087
    health = store.feeds_health()["nsdp-sdmx"]
    assert (health["records_in"], health["records_rejected"]) == (str(55 + 39 - 1), "2")


# -- garbage never crashes --------------------------------------------------------------------
_CPI_BYTES = CPI.read_bytes()
_LAST_CLOSE = _CPI_BYTES.rindex(b">")


@given(data=st.one_of(
    st.binary(max_size=3000),
    st.integers(0, _LAST_CLOSE).map(lambda n: _CPI_BYTES[:n]),
    st.tuples(st.integers(0, len(_CPI_BYTES)), st.binary(max_size=50)).map(
        lambda t: _CPI_BYTES[:t[0]] + b"\x00" + t[1])))  # NUL: never well-formed
@example(data=b"<a/>")
@example(data=b'<?xml version="1.0" encoding="klingon"?><a/>')
@example(data=b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')
@example(data=b"\xef\xbb\xbf")
@example(data=_CPI_BYTES.replace(b"<Series ", b"<Series>", 1))
@hypothesis_settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])
def test_garbage_never_crashes_poll(settings: WallSettings, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "x.xml").write_bytes(data)
        items = list(_feed(settings.catalogue, Path(folder)).poll())
    assert any(isinstance(i, Rejected) for i in items)
    assert all(isinstance(i, Observation | Rejected) for i in items)
