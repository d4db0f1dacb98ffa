"""The clocked alert rules: sources and devices down, stale series, late reports, quarantine
surges, targets slipping and overdue direction tasks — each raised, kept and cleared by itself."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from tests.helpers import obs
from tests.wall.test_targets import GDP, _gdp_target, _load_gdp
from wall.alerting import checks
from wall.alerting.checks import Context
from wall.alerting.engine import AlertEngine
from wall.analysis.service import Forecaster
from wall.config import TargetsConfig, WallSettings
from wall.locale import TZ
from wall.store import Store

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=TZ)


def _with(settings: WallSettings, rule: str, **changes: Any) -> WallSettings:
    """The settings with one alert rule's settings changed."""
    cfg = getattr(settings.alerts, rule).model_copy(update=changes)
    return settings.model_copy(update={"alerts": settings.alerts.model_copy(update={rule: cfg})})


def _open(store: Store, rule: str) -> list[dict[str, Any]]:
    return [a for a in store.alerts("open") if a["rule"] == rule]


def test_a_source_is_down_after_its_failures_and_devices_after_their_minutes(
        settings: WallSettings, store: Store) -> None:
    for _ in range(2):
        store.record_health("customs", ok=False, error="connection refused")
    patient = AlertEngine(store, _with(settings, "source_down", device_minutes=30))
    patient.check("source_down")
    assert _open(store, "source_down") == []  # two failures: not yet
    store.record_health("customs", ok=False, error="connection refused")
    cams = [obs(indicator="CAMERA_STATUS", area="20", period="2026-11-29T10:00:00+07:00",
                value=v, unit="status code", source="cameras", dims={"camera": f"cam-{i}"})
            for i, v in enumerate([0, 0, 2])]
    store.write(cams)
    patient.check("source_down")
    assert {a["source"] for a in _open(store, "source_down")} == {"customs"}  # cameras: wait
    engine = AlertEngine(store, _with(settings, "source_down", device_minutes=0))
    engine.check("source_down")
    by_source = {a["source"]: a for a in _open(store, "source_down")}
    assert set(by_source) == {"customs", "cameras"}
    cam = by_source["cameras"]
    assert (cam["value"], cam["devices"], cam["severity"]) == (2, ["cam-0", "cam-1"], "critical")
    assert "2/3" in cam["message_vi"]
    store.write([replace(c, value=2.0, period="2026-11-29T10:01:00+07:00")
                 for c in cams])
    store.record_health("customs", ok=True, accepted=1)
    engine.check("source_down")
    assert _open(store, "source_down") == []
    assert {a["source"] for a in store.alerts("resolved")} == {"customs", "cameras"}


def test_a_series_behind_its_due_period_is_stale_for_its_owner(
        settings: WallSettings, store: Store) -> None:
    ctx = Context(store, settings, NOW)
    store.write([obs(period="2026-08")])  # EXPORTS_M: October was due on 10 November
    verdict = checks.stale(ctx, settings.alerts.stale)
    owner = settings.catalogue.get("EXPORTS_M").owner
    alert = verdict.raised[f"stale|{owner}"]
    assert (alert["indicator"], alert["period"], alert["indicators"]) == (
        "EXPORTS_M", "2026-10", ["EXPORTS_M"])
    store.write([obs(period="2026-10")])
    assert f"stale|{owner}" not in checks.stale(ctx, settings.alerts.stale).raised
    assert all("PLAN" not in k for k in verdict.raised)  # never-reported indicators: left alone


def test_reports_missing_at_their_deadline_are_late_until_all_are_in(
        settings: WallSettings, store: Store) -> None:
    regime = settings.regimes.get("KTXH-THANG")
    ctx = Context(store, settings, NOW)  # October's reports were due on 20 November
    late = checks.report_late(ctx, settings.alerts.report_late).raised["report_late|"
                                                                     "KTXH-THANG|2026-10"]
    assert late["value"] == len(regime.units) and late["units"] == regime.units
    for unit in regime.units[1:]:
        store.record_submission(SimpleNamespace(regime=regime.id, unit=unit, period="2026-10",
                                                file="f.csv", accepted=1, rejected=0))
    late = checks.report_late(ctx, settings.alerts.report_late).raised["report_late|"
                                                                     "KTXH-THANG|2026-10"]
    assert late["units"] == regime.units[:1] and "1 đơn vị chưa nộp" in late["message_vi"]
    early = Context(store, settings, datetime(2026, 11, 15, tzinfo=TZ))  # not yet due
    assert "report_late|KTXH-THANG|2026-10" not in checks.report_late(
        early, settings.alerts.report_late).raised


def test_a_surge_of_quarantined_records_raises_and_holds_above_half(
        settings: WallSettings, store: Store) -> None:
    cfg = settings.alerts.quarantine_surge.model_copy(update={"count": 10})
    ctx = Context(store, settings, NOW)
    store.record_health("customs", ok=True, accepted=5, rejected=500)  # before: the baseline
    assert checks.quarantine_surge(ctx, cfg).raised == {}
    store.record_health("customs", ok=True, rejected=12)
    verdict = checks.quarantine_surge(ctx, cfg)
    assert verdict.raised["quarantine_surge|customs"]["value"] == 12
    ctx.memo["samples"] = [(t - 600, s) for t, s in ctx.memo["samples"]]  # 10 minutes later
    verdict = checks.quarantine_surge(ctx, cfg)
    assert verdict.raised == {} and verdict.held == set()


def test_a_target_slipping_off_track_raises_a_critical_alert(
        settings: WallSettings, store: Store) -> None:
    _load_gdp(store, "2024-Q2")
    Forecaster(store, settings.catalogue).get(GDP, "VN", {})  # what the worker keeps
    far = _gdp_target(2024, "at_least", 12.0)
    ctx = Context(store, settings.model_copy(update={
        "targets": TargetsConfig(apiVersion=1, targets=[far])}), datetime(2024, 8, 1, tzinfo=TZ))
    alert = checks.target_slip(ctx, settings.alerts.target).raised[f"target|{far.id}"]
    assert alert["severity"] == "critical" and "chệch hướng" in alert["message_vi"]
    near = _gdp_target(2024, "at_least", 3.0)
    ctx.settings = settings.model_copy(update={
        "targets": TargetsConfig(apiVersion=1, targets=[near])})
    assert checks.target_slip(ctx, settings.alerts.target).raised == {}


def test_an_overdue_task_raises_until_it_is_done(settings: WallSettings, store: Store) -> None:
    today = datetime.now(TZ).date()
    task = {"number": "12/TB-VPCP", "title": "Đẩy nhanh giải ngân vốn đầu tư công",
            "document": "Thông báo 12/TB-VPCP", "issued_by": "TTg", "agency": "BXD",
            "issued_on": (today - timedelta(days=40)).isoformat(),
            "due_on": (today - timedelta(days=3)).isoformat(), "status": "in_progress",
            "source": "vpcp"}
    store.put_task(task)
    engine = AlertEngine(store, settings)
    engine.check("task_overdue")
    [alert] = _open(store, "task_overdue")
    assert (alert["indicator"], alert["area"], alert["value"]) == ("TASK_OVERDUE", "BXD", 3)
    assert "quá hạn 3 ngày" in alert["message_vi"]
    store.put_task({**task, "status": "done", "completed_on": today.isoformat()})
    engine.check("task_overdue")
    assert _open(store, "task_overdue") == []


def test_a_worse_verdict_updates_the_open_alert_and_reopens_an_acknowledged_one(
        settings: WallSettings, store: Store) -> None:
    engine = AlertEngine(store, _with(settings, "source_down", device_minutes=0))
    cams = [obs(indicator="BRIDGE_STATUS", area="01", period="2026-11-29T10:00:00+07:00",
                value=v, unit="status code", source="bridge-points", dims={"point": f"p{i}"})
            for i, v in enumerate([0, 2, 2])]
    store.write(cams)
    engine.check("source_down")
    [alert] = _open(store, "source_down")
    assert alert["severity"] == "warning"
    store.update_alert(alert["id"], state="acknowledged", acknowledged_by="op")
    store.write([replace(c, value=0.0, period="2026-11-29T10:01:00+07:00")
                 for c in cams])
    engine.check("source_down")
    [again] = _open(store, "source_down")
    assert (again["id"], again["severity"], again["value"]) == (alert["id"], "critical", 3)


def test_task_states_and_agency_on_time_rates(settings: WallSettings) -> None:
    from wall.tasks import parse_task, state, summarise

    units = settings.regimes.reporting_units
    base = {"title": "t", "document": "d", "issued_by": "CP", "issued_on": "2026-01-01"}
    tasks = [parse_task({**base, "number": "1", "agency": "BXD", "due_on": "2026-03-01",
                         "status": "done", "completed_on": "2026-02-20"}, units),
             parse_task({**base, "number": "2", "agency": "BXD", "due_on": "2026-03-01",
                         "status": "done", "completed_on": "2026-03-05"}, units),
             parse_task({**base, "number": "3", "agency": "BXD", "due_on": "2026-06-01"}, units),
             parse_task({**base, "number": "4", "agency": "BTC", "due_on": "2026-06-25"}, units)]
    day = date(2026, 6, 20)
    assert [state(t, day) for t in tasks] == ["done_on_time", "done_late", "overdue", "near_due"]
    bxd, btc = summarise(tasks, day)
    assert (bxd.agency, bxd.overdue, bxd.open, round(bxd.on_time_rate, 3)) == ("BXD", 1, 1,
                                                                                0.333)
    assert (btc.near_due, btc.on_time_rate) == (1, None)
