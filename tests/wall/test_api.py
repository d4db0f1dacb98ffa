"""HTTP API against a real Redis: ingest with per-record reasons, latest, series, health."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.helpers import bearer, record
from wall.app import create_app
from wall.config import WallSettings
from wall.store import Store


@pytest.fixture
def client(settings: WallSettings, store: Store, tmp_path: Any,
           monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    monkeypatch.setenv("WALL_REPORTS_DIR", str(tmp_path / "reports"))
    client = create_app(settings, store, start_relay=False).server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = bearer(store)["Authorization"]  # an admin
    return client


def test_ingest_counts_accepted_and_quarantined(client: FlaskClient, store: Store) -> None:
    body: list[Any] = [record(value=1.5), record(period="2026-99"), "not an object"]
    resp = client.post("/api/v1/observations", json=body)
    assert resp.status_code == 200
    data = resp.get_json()
    assert (data["accepted"], data["quarantined"]) == (1, 2)
    assert [r["field"] for r in data["rejected"]] == ["period", "record"]
    assert store.quarantine_count() == 2


def test_non_json_body_is_refused_and_kept(client: FlaskClient, store: Store) -> None:
    resp = client.post("/api/v1/observations", data="{{{", content_type="application/json")
    assert resp.status_code == 400
    assert store.quarantined()[0]["raw"] == "{{{"


def test_latest_and_series_answer_json_with_dims(client: FlaskClient) -> None:
    client.post("/api/v1/observations", json=[
        record(period="2026-09", value=1.0, dims={"sector": "FDI"}),
        record(period="2026-10", value=2.0, dims={"sector": "FDI"}),
        record(period="2026-10", value=5.0),
    ])
    latest = client.get("/api/v1/observations/latest?indicator=EXPORTS_M&area=VN&sector=FDI")
    assert [o["value"] for o in latest.get_json()["observations"]] == [2.0]
    both = client.get("/api/v1/observations/latest?indicator=EXPORTS_M&area=VN").get_json()
    assert sorted(o["value"] for o in both["observations"]) == [2.0, 5.0]
    series = client.get("/api/v1/series?indicator=EXPORTS_M&area=VN&sector=FDI").get_json()
    assert [(p["period"], p["value"]) for p in series["points"]] == [("2026-09", 1.0),
                                                                     ("2026-10", 2.0)]
    assert client.get("/api/v1/series?indicator=EXPORTS_M").status_code == 400


def test_healthz_reports_redis_and_feeds(client: FlaskClient) -> None:
    client.post("/api/v1/observations", json=[record()], headers={"X-Wall-Source": "sys-a"})
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["redis"]["up"] is True
    assert body["feeds"]["sys-a"]["records_in"] == "1"


def test_overview_and_index_are_served(client: FlaskClient, store: Store) -> None:
    import dash

    assert client.get("/").status_code == 200
    assert client.get("/screen/overview").status_code == 200  # the page shell
    app = client.application
    with app.test_request_context("/screen/overview", headers=bearer(store)):
        app.preprocess_request()  # who calls, as for the real request
        page = dash.page_registry["screen"]["layout"](panel_id="overview")  # what it renders
        index = dash.page_registry["index"]["layout"]()
    assert getattr(page, "data-panel") == "overview" and page.id == "screen-root"
    assert "index-page" in index.className


def test_series_without_dims_answers_every_series_with_its_dims(client: FlaskClient) -> None:
    client.post("/api/v1/observations", json=[
        record(period="2026-09", value=1.0, dims={"sector": "FDI"}),
        record(period="2026-10", value=2.0, dims={"sector": "Trong nước"}),
        record(period="2026-10", value=3.0),
    ])
    body = client.get("/api/v1/series?indicator=EXPORTS_M&area=VN").get_json()
    got = sorted((p["period"], p["value"], tuple(p["dims"].items())) for p in body["points"])
    assert got == [("2026-09", 1.0, (("sector", "FDI"),)), ("2026-10", 2.0,
                   (("sector", "Trong nước"),)), ("2026-10", 3.0, ())]


def test_report_upload_is_kept_imported_and_recorded(client: FlaskClient, store: Store,
                                                     tmp_path: Any, monkeypatch: Any) -> None:
    import io

    body = ("indicator_code,period,value,unit\n"
            "PUBINV_SB_YTD,2026-10,400000,billion VND\nPUBINV_SB_YTD,2026-10,abc,billion VND\n")
    resp = client.post("/api/v1/reports", data={
        "file": (io.BytesIO(body.encode()), "DTC-THANG__79__2026-10.csv")},
        content_type="multipart/form-data")
    data = resp.get_json()
    assert resp.status_code == 200, data
    assert (data["accepted"], data["quarantined"]) == (1, 1)
    assert data["submission"]["unit"] == "79"
    assert store.submissions("DTC-THANG", "2026-10")["79"]["accepted"] == 1
    from pathlib import Path

    assert Path(data["kept_as"]).read_text(encoding="utf-8") == body
    assert "row 3" in store.quarantined()[0]["reason"]


def test_playlists_rotate_panels_by_list_and_by_tag(settings: WallSettings, store: Store) -> None:
    import time

    from layouts.registry import panels
    from wall.screens import ScreenRegistry

    reg = ScreenRegistry(store, settings.wall, set(panels()),
                         {pid: p.tags for pid, p in panels().items()})
    listed, interval = reg.playlist_panels("hop-chinh-phu")
    assert listed[0] == "overview" and interval == 45
    assert reg.playlist_panels("theo-doi-khan-cap")[0] == ["emergency", "group-7"]
    reg.start_playlist(["s1", "s2"], "hop-chinh-phu")
    assert reg.view("s1").panel == "overview"
    assert reg.rotate(time.time()) == 0  # not yet due
    assert reg.rotate(time.time() + 46) == 2
    assert reg.view("s2").panel == listed[1] and reg.view("s2").playlist == "hop-chinh-phu"
    reg.assign(["s1"], "cameras")  # a manual switch takes the screen off its playlist
    assert reg.view("s1").playlist == ""


def test_an_operator_corrects_and_retracts_a_stored_value(client: FlaskClient,
                                                          store: Store) -> None:
    client.post("/api/v1/observations", json=[record(period="2026-09", value=1.0),
                                              record(period="2026-10", value=2.0)])
    operator = bearer(store, "operator")
    where = {"indicator": "EXPORTS_M", "area": "VN", "period": "2026-10"}
    fixed = client.post("/api/v1/observations/correct", headers=operator,
                        json={**where, "value": 7.5, "reason": "typo in the ministry's sheet"})
    assert fixed.status_code == 200, fixed.get_json()
    latest = store.latest("EXPORTS_M", "VN", {})[0]
    assert (latest.period, latest.value, latest.revision) == ("2026-10", 7.5, 1)
    gone = client.post("/api/v1/observations/retract", headers=operator,
                       json={**where, "reason": "period not yet closed"})
    assert gone.status_code == 200 and gone.get_json()["retracted"]["value"] == 7.5
    latest = store.latest("EXPORTS_M", "VN", {})[0]
    assert (latest.period, latest.value) == ("2026-09", 1.0)
    series = client.get("/api/v1/series?indicator=EXPORTS_M&area=VN").get_json()["points"]
    assert [p["period"] for p in series] == ["2026-09"]
    audit = {e["action"]: e for e in store.audit_log(50)}
    assert '"old": 2.0' in audit["observations.correct"]["detail"]
    assert "period not yet closed" in audit["observations.retract"]["detail"]
    again = client.post("/api/v1/observations/retract", headers=operator,
                        json={**where, "reason": "twice"})
    assert again.status_code == 404
    no_reason = client.post("/api/v1/observations/correct", headers=operator,
                            json={**where, "period": "2026-09", "value": 3})
    assert no_reason.status_code == 400
    viewer = client.post("/api/v1/observations/retract", headers=bearer(store, "viewer"),
                         json={**where, "period": "2026-09", "reason": "not mine to do"})
    assert viewer.status_code == 403
    assert store.latest("EXPORTS_M", "VN", {})[0].value == 1.0


def test_a_feed_key_writes_at_most_its_series_cap(settings: WallSettings, store: Store,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from wall.accounts import Accounts

    monkeypatch.setenv("WALL_SERIES_PER_KEY", "3")
    client = create_app(settings, store, start_relay=False).server.test_client()
    key = Accounts(store).issue_feed_key("customs", ["EXPORTS_M"], ["*"])
    auth = {"Authorization": f"Bearer {key}"}
    first = client.post("/api/v1/observations", headers=auth, json=[
        record(dims={"hs": str(i)}) for i in range(5)])
    assert (first.get_json()["accepted"], first.get_json()["quarantined"]) == (3, 2)
    again = client.post("/api/v1/observations", headers=auth, json=[  # known series still pass
        record(period="2026-09", dims={"hs": "0"}), record(dims={"hs": "9"})])
    assert (again.get_json()["accepted"], again.get_json()["quarantined"]) == (1, 1)
    held = [e for e in store.quarantined(10) if "distinct series" in e["reason"]]
    assert len(held) == 3 and all(e["source"] == "customs" for e in held)


def _upload(client: FlaskClient, data: bytes, name: str, headers: Any = None) -> Any:
    import io

    return client.post("/api/v1/reports", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", headers=headers or {})


def test_uploads_are_bounded_and_refused_before_anything_is_kept(
        client: FlaskClient, store: Store, tmp_path: Any, monkeypatch: Any) -> None:
    from data_feeds import report_file
    from wall.accounts import Accounts

    kept = lambda: [p for p in (tmp_path / "reports").rglob("*") if p.is_file()]  # noqa: E731
    key = Accounts(store).issue_feed_key("gso", ["EXPORTS_M"], ["VN"])
    feed = {"Authorization": f"Bearer {key}"}
    row = "EXPORTS_M,2026-10,1,million USD\n"
    outside = ("indicator_code,area_code,period,value,unit\n" + "EXPORTS_M,VN,2026-10,1,x\n"
               + "EXPORTS_M,79,2026-10,1,x\n" + "EXPORTS_M,VN,2026-10,1,x\n" * 1000)
    resp = _upload(client, outside.encode(), "r.csv", feed)
    assert resp.status_code == 403 and "row 3" in resp.get_json()["error"]
    assert _upload(client, b"indicator_code,period,value,unit\n" + row.encode(),
                   "DTC-THANG__79__2026-10.csv", feed).status_code == 403  # not its unit
    monkeypatch.setattr(report_file, "MAX_ROWS", 50)
    long = "indicator_code,period,value,unit\n" + row * 51
    assert _upload(client, long.encode(), "long.csv").status_code == 413
    assert kept() == [] and store.latest("EXPORTS_M") == []
    for bad, name in ((b"PK\x03\x04 cut off", "cut.xlsx"),
                      (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
                       "dtd.xlsx")):
        resp = _upload(client, bad, name)
        assert resp.status_code == 400, resp.get_json()
        assert name in store.quarantined(1)[0]["reason"]
