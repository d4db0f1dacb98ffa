"""Alerts: the anomaly rule on every indicator, one alert per rule and series, acted on through
the API by operators, every action audited."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask.testing import FlaskClient

from tests.conftest import REPO
from tests.helpers import bearer, obs, record, wait_for
from tests.wall.test_forecast import published
from wall.alerting.anomaly import judge
from wall.alerting.engine import AlertEngine
from wall.app import create_app
from wall.config import ConfigError, WallSettings, load_settings
from wall.store import Store


def test_a_change_far_outside_the_usual_ones_is_anomalous_and_clears_with_hysteresis() -> None:
    steps = [1.0, 1.2, 0.8, 1.1, 0.9, 1.0, 1.3, 0.7, 1.0, 1.0, 1.1]
    history = list(np.cumsum([100.0, *steps]))  # a growing series: growth is not an anomaly
    last = history[-1]
    assert judge(last + 1.0, history).anomalous is False
    assert judge(last + 1.0, history).clear is True
    far = judge(last + 10.0, history)
    assert far.anomalous and far.basis == "history" and "cao hơn" in far.reason_vi
    spread = np.median(np.abs(np.array(steps) - np.median(steps))) * 1.4826  # robust deviation
    edge = judge(last + np.median(steps) + 3.5 * spread, history)  # between clear and raise
    assert not edge.anomalous and not edge.clear
    assert judge(99.0, history[:5]) is None  # too short a history to judge


def test_seasonal_series_are_judged_on_the_same_season_a_year_earlier() -> None:
    season = [0.0, -30.0, 5.0, 10.0, 0.0, 5.0, 10.0, 15.0, 5.0, 0.0, 5.0, 20.0]
    history = [100.0 + s + year for year in range(3) for s in season]
    dip = 100.0 + season[0] + 3 - 30.0  # a January as low as a February: out of season
    assert judge(dip, history, season=12).anomalous
    assert not judge(100.0 + season[0] + 3, history, season=12).anomalous


def test_a_forecast_band_decides_where_one_is_kept() -> None:
    band = {"mean": 100.0, "lo80": 95.0, "hi80": 105.0, "lo95": 90.0, "hi95": 110.0}
    assert judge(111.0, [], band).anomalous and judge(111.0, [], band).basis == "forecast"
    assert judge(104.0, [], band).clear and not judge(107.0, [], band).clear


def _history(store: Store) -> list[tuple[str, float]]:
    pts = published("EXPORTS_M")[-40:-1]
    store.write([obs(period=p, value=v) for p, v in pts])
    return pts


def test_engine_opens_one_alert_per_series_and_closes_it_when_values_return(
        settings: WallSettings, store: Store) -> None:
    pts = _history(store)
    engine = AlertEngine(store, settings)
    extreme = obs(period="2024-06", value=pts[-1][1] * 5).to_dict()
    store.write([obs(period="2024-06", value=pts[-1][1] * 5)])
    first = engine.evaluate(extreme)
    assert first is not None and engine.evaluate(extreme) is None  # one open alert only
    alert = store.alert(first)
    assert (alert["rule"], alert["indicator"], alert["state"]) == ("anomaly", "EXPORTS_M", "open")
    assert alert["severity"] in ("warning", "critical") and alert["message_vi"]
    normal = obs(period="2024-07", value=pts[-1][1]).to_dict()
    store.write([obs(period="2024-07", value=pts[-1][1])])
    engine.evaluate(normal)
    assert store.alert(first) is None
    assert [a["id"] for a in store.alerts("resolved")] == [first]


def test_batches_streaming_in_are_judged_together_and_the_newest_value_still_alerts(
        settings: WallSettings, store: Store) -> None:
    pts = _history(store)
    engine = AlertEngine(store, settings)
    calls: list[int] = []
    judge_all = engine.evaluate_all
    def counted(batch: list[dict[str, Any]]) -> None:
        calls.append(len(batch))
        judge_all(batch)

    engine.evaluate_all = counted  # type: ignore[method-assign]
    engine.start()
    try:
        wait_for(lambda: store.r.pubsub_numsub(store.events_channel)[0][1] > 0, "the engine")
        pipe = store.r.pipeline(transaction=False)  # twenty batches arriving at once
        for n in range(20):
            value = pts[-1][1] * (5 if n == 19 else 1)
            pipe.publish(store.events_channel, json.dumps([obs(period="2024-06", value=value,
                                                               revision=n + 1).to_dict()]))
        pipe.execute()
        wait_for(lambda: sum(calls) == 20, "every batch judged")
        assert len(calls) <= 3, calls  # the first alone, then what streamed in after it
        wait_for(lambda: [a["value"] for a in store.alerts("open") if a["rule"] == "anomaly"]
                 == [pts[-1][1] * 5], "the alert on the newest value")
    finally:
        engine.stop()


def test_an_extreme_value_through_the_api_raises_an_alert_operators_act_on(
        settings: WallSettings, store: Store) -> None:
    pts = _history(store)
    engine = AlertEngine(store, settings).start()
    client: FlaskClient = create_app(settings, store, start_relay=False).server.test_client()
    admin = bearer(store)
    try:
        resp = client.post("/api/v1/observations", headers=admin,
                           json=[record(period="2024-06", value=pts[-1][1] * 10)])
        assert resp.status_code == 200
        wait_for(lambda: any(a["rule"] == "anomaly" for a in store.alerts("open")),
                 "the anomaly alert")
    finally:
        engine.stop()
    listed = [a for a in client.get("/api/v1/alerts?state=open", headers=admin).get_json()[
        "alerts"] if a["rule"] == "anomaly"]  # the clocked rules see an empty wall too
    assert [(a["rule"], a["indicator"], a["period"]) for a in listed] == [
        ("anomaly", "EXPORTS_M", "2024-06")]
    alert_id = listed[0]["id"]
    viewer = bearer(store, "viewer")
    assert client.post(f"/api/v1/alerts/{alert_id}/ack", headers=viewer,
                       json={"note": "x"}).status_code == 403
    operator = bearer(store, "operator")
    acked = client.post(f"/api/v1/alerts/{alert_id}/ack", headers=operator,
                        json={"note": "Đã báo Tổng cục Hải quan kiểm tra"})
    assert acked.status_code == 200 and acked.get_json()["state"] == "acknowledged"
    assert acked.get_json()["acknowledged_by"].startswith("operator")
    audit = [e for e in store.audit_log(20) if e["action"] == "alert.ack"]
    assert audit and alert_id in audit[0]["detail"]
    assert client.get("/api/v1/alerts?state=acknowledged", headers=viewer).get_json()["alerts"]
    assert client.post(f"/api/v1/alerts/{alert_id}/resolve", headers=operator,
                       json={}).get_json()["state"] == "resolved"
    assert alert_id not in {a["id"] for a in client.get("/api/v1/alerts?state=open",
                                                         headers=admin).get_json()["alerts"]}


def test_a_failing_source_raises_source_down_until_it_reports_again(
        settings: WallSettings, store: Store) -> None:
    engine = AlertEngine(store, settings)
    for _ in range(2):
        store.record_health("customs", ok=False, error="connection refused")
    engine.check("source_down")
    assert store.alerts("open") == []  # two failures: not yet
    store.record_health("customs", ok=False, error="connection refused")
    engine.check("source_down")
    [alert] = store.alerts("open")
    assert (alert["rule"], alert["source"], alert["severity"]) == ("source_down", "customs",
                                                                   "critical")
    engine.check("source_down")
    assert len(store.alerts("open")) == 1  # still one
    store.record_health("customs", ok=True, accepted=5)
    engine.check("source_down")
    assert store.alerts("open") == [] and store.alerts("resolved")[0]["source"] == "customs"


def test_a_history_loaded_at_once_raises_nothing(settings: WallSettings, store: Store) -> None:
    pts = _history(store)
    old = obs(period="2024-06", value=pts[-1][1] * 5,
              observed_at="2024-07-29T09:00:00+07:00")  # published long before the wall's now
    store.write([old])
    assert AlertEngine(store, settings).evaluate(old.to_dict()) is None
    assert store.alerts() == []


def test_a_threshold_rule_opens_past_its_bound_and_clears_with_a_margin(
        settings: WallSettings, store: Store) -> None:
    rule = settings.alerts.rules[0]  # config/alerts.yaml: CPI y/y above 104.5
    engine = AlertEngine(store, settings)
    unit = "index (same period previous year = 100)"

    def send(period: str, value: float) -> None:
        o = obs(indicator=rule.indicator, period=period, value=value, unit=unit)
        store.write([o])
        engine.evaluate(o.to_dict())

    send("2026-01", rule.above + 0.3)
    [alert] = [a for a in store.alerts("open") if a["rule"] == "threshold"]
    assert alert["rule_id"] == rule.id and alert["value"] == rule.above + 0.3
    send("2026-02", rule.above - rule.clear_margin / 2)  # back under, not by the margin: stays
    assert [a["id"] for a in store.alerts("open") if a["rule"] == "threshold"] == [alert["id"]]
    send("2026-03", rule.above - 2 * rule.clear_margin)
    assert [a for a in store.alerts("open") if a["rule"] == "threshold"] == []


def test_alert_rules_on_unknown_indicators_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    shutil.copytree(REPO / "config", folder)
    (folder / "alerts.yaml").write_text(
        "apiVersion: 1\nrules:\n  - {id: x, indicator: NOPE, above: 1}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="NOPE"):
        load_settings(folder)


def test_the_engine_keeps_recent_history_current_between_batches() -> None:
    from wall.alerting.history import HistoryCache

    cache = HistoryCache(size=3, cap=2)
    cache.note("a", "2024-03", 3.0)  # not kept yet: nothing to update
    assert cache.get("a") is None
    cache.put("a", [("2024-02", 2.0), ("2024-01", 1.0)])
    cache.note("a", "2024-03", 3.0)
    cache.note("a", "2024-02", 2.5)  # a revision replaces its period
    assert [(p, v) for _, p, v in cache.get("a") or []] == [("2024-01", 1.0), ("2024-02", 2.5),
                                                           ("2024-03", 3.0)]
    cache.note("a", "2024-04", 4.0)  # only the last `size` points are kept
    assert [p for _, p, _ in cache.get("a") or []] == ["2024-02", "2024-03", "2024-04"]
    cache.put("b", [])
    cache.put("c", [])  # over the cap: the least recently used ("a") goes
    assert cache.get("a") is None and len(cache) == 2
    cache.ttl_s = -1.0  # kept too long: read again
    assert cache.get("b") is None
