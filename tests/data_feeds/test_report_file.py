"""Report files: the long CSV format as published, XLSX, regimes, compliance, bad input."""

from __future__ import annotations

import csv
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_feeds.base import Rejected
from data_feeds.report_file import ReportDropFeed, import_file
from data_feeds.runner import FeedRunner
from tests.conftest import REPO
from tests.helpers import user_token
from wall.compliance import compliance, due_date
from wall.config import FeedSpec, WallSettings
from wall.observation import Observation
from wall.store import Store

SHARED = REPO.parent / "shared" / "data" / "indicators"
HEADER = ["indicator_code", "indicator_name_vi", "indicator_name_en", "area_code",
          "breakdown_group", "breakdown_vi", "period", "value", "unit", "status", "source",
          "source_file"]


def _row(**kw: str) -> dict[str, str]:
    base = {"indicator_code": "EXPORTS_M", "indicator_name_vi": "XK", "indicator_name_en": "X",
            "area_code": "VN", "breakdown_group": "", "breakdown_vi": "TỔNG SỐ",
            "period": "2026-10", "value": "41234.5", "unit": "million USD",
            "status": "estimate", "source": "test", "source_file": "t"}
    return {**base, **kw}


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _split(items: list[Observation | Rejected]) -> tuple[list[Observation], list[Rejected]]:
    return ([i for i in items if isinstance(i, Observation)],
            [i for i in items if isinstance(i, Rejected)])


def test_rows_become_observations_with_breakdowns_as_dims(settings: WallSettings,
                                                          tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", [
        _row(),
        _row(breakdown_group="Khu vực", breakdown_vi="Khu vực có vốn đầu tư NN", value="30000"),
        _row(status="revised", value="41300"),
    ])
    good, bad = _split(import_file(path, settings.catalogue, "t", settings.regimes).items)
    assert not bad
    assert [(o.dims, o.status, o.revision) for o in good] == [
        ({}, "provisional", 0),
        ({"breakdown": "Khu vực có vốn đầu tư NN", "breakdown_group": "Khu vực"},
         "provisional", 0),
        ({}, "revised", 1)]


def test_bad_rows_are_quarantined_with_row_number_and_reason(settings: WallSettings,
                                                              tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", [
        _row(), _row(indicator_code="NOT_A_CODE"), _row(unit="billion VND"),
        _row(value="n/a"), _row(period="2026-13"), _row(status="guess"), _row(value="12,5"),
    ])
    good, bad = _split(import_file(path, settings.catalogue, "t", settings.regimes).items)
    assert [o.value for o in good] == [41234.5, 12.5]
    reasons = [r.reason for r in bad]
    assert reasons[0].startswith("row 3: indicator 'NOT_A_CODE'")
    assert reasons[1].startswith("row 4: wrong unit 'billion VND'")
    assert reasons[2].startswith("row 5: value 'n/a'")
    assert reasons[3].startswith("row 6: period")
    assert reasons[4].startswith("row 7: status")
    assert all(r.kind == "report_row" for r in bad)


def test_percent_change_rows_convert_exactly_to_the_index(settings: WallSettings,
                                                          tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", [_row(indicator_code="CPI_M_YOY_IDX",
                                            breakdown_vi="LẠM PHÁT CƠ BẢN", value="2.1",
                                            unit="percent change")])
    (o,) = import_file(path, settings.catalogue, "t", settings.regimes).items
    assert isinstance(o, Observation)
    assert (o.value, o.unit) == (102.1, "index (same period previous year = 100)")


def test_bad_encoding_empty_and_foreign_files_are_rejected_whole(settings: WallSettings,
                                                                 tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes(",".join(HEADER).encode() + b"\nEXPORTS_M,Xu\xe2t\n")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    other = tmp_path / "other.csv"
    other.write_text("CY,Year,Lat\n5,1945,14.2\n", encoding="utf-8")
    for path, words in ((latin, "not UTF-8"), (empty, "no rows"), (other, "lacks columns")):
        items = import_file(path, settings.catalogue, "t", settings.regimes).items
        assert len(items) == 1 and isinstance(items[0], Rejected), path
        assert words in items[0].reason


def test_xlsx_reads_like_csv(settings: WallSettings, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(list(_row(value="123.4").values()))
    sheet.append(list(_row(value="bad").values()))
    path = tmp_path / "r.xlsx"
    book.save(path)
    good, bad = _split(import_file(path, settings.catalogue, "t", settings.regimes).items)
    assert [o.value for o in good] == [123.4] and "row 3" in bad[0].reason


@given(st.binary(max_size=2000))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          deadline=None, max_examples=60)
def test_garbage_never_crashes_the_importer(tmp_path: Path, settings_: WallSettings,
                                            data: bytes) -> None:
    path = tmp_path / "g.csv"
    path.write_bytes(data)
    items = import_file(path, settings_.catalogue, "t", settings_.regimes).items
    assert items and all(isinstance(i, Observation | Rejected) for i in items)


@pytest.fixture
def settings_(settings: WallSettings) -> WallSettings:
    return settings


def test_drop_folder_imports_keeps_the_file_and_records_compliance(
        settings: WallSettings, store: Store, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    _write(drop / "DTC-THANG__BTC__2026-10.csv", [
        _row(indicator_code="PUBINV_SB_YTD", breakdown_vi="TỔNG SỐ", value="400000",
             unit="billion VND"),
        _row(indicator_code="EXPORTS_M")])  # not reported under DTC-THANG
    spec = FeedSpec(id="drop", kind="report_drop", settings={"folder": str(drop)})
    runner = FeedRunner(store, [ReportDropFeed(spec, settings.catalogue, settings)])
    assert runner.run_once(runner.feeds[0]) == 1
    assert not list(drop.glob("*.csv"))
    assert len(list((drop / "imported").glob("*DTC-THANG__BTC__2026-10.csv"))) == 1
    assert store.latest("PUBINV_SB_YTD", "VN", {})[0].value == 400000
    assert "not reported under DTC-THANG" in store.quarantined()[0]["reason"]
    submitted = store.submissions("DTC-THANG", "2026-10")
    assert submitted["BTC"]["accepted"] == 1 and submitted["BTC"]["rejected"] == 1
    regime = settings.regimes.get("DTC-THANG")
    assert regime is not None
    due = due_date(regime, "2026-10")
    assert due.isoformat() == "2026-11-05"
    after = datetime(2026, 11, 6, tzinfo=UTC)
    state = compliance(regime, "2026-10", submitted, after)
    assert state["79"] == "missing"
    assert compliance(regime, "2026-10", submitted, after - timedelta(days=3))["79"] == "pending"
    assert state["BTC"] in {"on_time", "late"}


def test_cli_import_and_quarantine_replay(settings: WallSettings, store: Store, redis_url: str,
                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from wall.cli import main

    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("WALL_PREFIX", store.prefix)
    path = _write(tmp_path / "r.csv", [_row(), _row(indicator_code="NEW_CODE_X")])
    assert main(["import", str(path)]) == 3  # no account named: the command refuses
    monkeypatch.setenv("WALL_TOKEN", user_token(store, "viewer"))
    assert main(["import", str(path)]) == 3  # a viewer may not import
    assert store.quarantine_count() == 0
    monkeypatch.setenv("WALL_TOKEN", user_token(store, "operator"))
    assert main(["import", str(path)]) == 0
    assert '"accepted": 1, "quarantined": 1' in capsys.readouterr().out
    assert store.audit_log(1)[0]["action"] == "import"
    (entry,) = store.quarantined()
    assert main(["quarantine", "replay", entry["id"]]) == 0  # still not catalogued
    assert '"still_rejected": 1' in capsys.readouterr().out
    assert store.quarantine_count() == 1
    assert main(["feeds", "list", "--json"]) == 0
    assert '"id": "gso-replay"' in capsys.readouterr().out


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/indicators not beside the repo")
def test_every_shared_file_imports_exactly_as_published(settings: WallSettings) -> None:
    files = sorted(p for p in SHARED.glob("*.csv") if p.name.startswith(("gso_", "nsdp_",
                                                                         "wdi_", "mof_")))
    assert files
    for path in files:
        result = import_file(path, settings.catalogue, "t", settings.regimes)
        assert result.quarantined == 0, (path.name, next(
            i.reason for i in result.items if isinstance(i, Rejected)))
        with path.open(encoding="utf-8") as fh:
            assert result.accepted == sum(1 for _ in fh) - 1
    assert os.path.getsize(SHARED / "gso_monthly_trade.csv") > 10_000_000


def test_numbers_are_read_by_the_declared_convention_never_guessed(settings: WallSettings,
                                                                   tmp_path: Path) -> None:
    from data_feeds.report_file import read_number

    assert (read_number("41,5"), read_number("41234.5"), read_number("-2,94")) == (
        41.5, 41234.5, -2.94)
    assert read_number("41.234,5", ",") == 41234.5 and read_number("41,234.5", ".") == 41234.5
    for bad in ("41,234", "1,234,567", "nan", "inf", "1e999", "４１", "41.234,5", ""):
        with pytest.raises(ValueError):
            read_number(bad)
    items = import_file(_write(tmp_path / "a.csv", [_row(value="41,234"), _row(value="41,5")]),
                        settings.catalogue, "t", settings.regimes).items
    good, bad = _split(items)
    assert [o.value for o in good] == [41.5] and "ambiguous" in bad[0].reason


def test_a_cut_off_row_and_a_broken_file_are_quarantined_and_the_folder_moves_on(
        settings: WallSettings, store: Store, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    cut = _write(drop / "a-cut.csv", [_row(period="2026-09")])
    cut.write_text(cut.read_text(encoding="utf-8") + "EXPORTS_M,XK,X,VN,,TỔNG SỐ,2026-10,41",
                   encoding="utf-8")  # the last row stops in the middle of its value
    (drop / "b-quote.csv").write_text(",".join(HEADER) + '\nEXPORTS_M,"XK unclosed\n' +
                                      "x" * 200_000, encoding="utf-8")
    (drop / "c-bad.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    _write(drop / "d-good.csv", [_row(period="2026-08", value="30000")])
    spec = FeedSpec(id="drop", kind="report_drop", settings={"folder": str(drop)})
    runner = FeedRunner(store, [ReportDropFeed(spec, settings.catalogue, settings)])
    assert runner.run_once(runner.feeds[0]) == 2  # 2026-09 of a-cut, and d-good
    assert not [p for p in drop.iterdir() if p.is_file()]  # every file dealt with, kept aside
    assert sorted(o.period for o in store.series("EXPORTS_M", "VN", {})) == ["2026-08",
                                                                             "2026-09"]
    reasons = [e["reason"] for e in store.quarantined()]
    assert any("fewer fields than the header" in r for r in reasons)
    assert sum("nothing of it is stored" in r for r in reasons) >= 2  # the two broken files


def test_quarantine_replay_all_reaches_every_entry_not_only_the_newest(
        store: Store, redis_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from tests.helpers import record
    from wall.cli import main

    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("WALL_PREFIX", store.prefix)
    monkeypatch.setenv("WALL_TOKEN", user_token(store, "operator"))
    for i in range(1500):  # kept while a source was misconfigured; valid now
        store.quarantine("feed-x", "source was down", record(
            period=f"{1900 + i // 12}-{i % 12 + 1:02d}", value=float(i)))
    assert len(list(store.quarantined_all(page=400))) == 1500
    assert main(["quarantine", "replay", "all"]) == 0
    assert '"replayed": 1500' in capsys.readouterr().out
    assert store.quarantine_count() == 0
    assert len(store.series("EXPORTS_M", "VN", {})) == 600  # the store keeps its history cap
