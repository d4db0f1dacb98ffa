"""Direction tasks: in through the API (a key scoped to its office) or a report file, kept,
shown by agency with on-time rates, MÔ PHỎNG where simulated."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from data_feeds.report_file import ingest_file
from data_feeds.runner import FeedRunner, build_feeds
from layouts.registry import PanelContext, panels
from tests.helpers import bearer, walk
from wall.accounts import Accounts
from wall.app import create_app
from wall.config import WallSettings
from wall.locale import TZ
from wall.store import Store

TODAY = datetime.now(TZ).date()


def _task(number: str, agency: str = "BXD", due_in: int = -3, **more: Any) -> dict[str, Any]:
    return {"number": number, "title": "Đẩy nhanh giải ngân vốn đầu tư công",
            "document": f"Thông báo {number}", "issued_by": "TTg", "agency": agency,
            "issued_on": (TODAY - timedelta(days=60)).isoformat(),
            "due_on": (TODAY + timedelta(days=due_in)).isoformat(), **more}


@pytest.fixture
def client(settings: WallSettings, store: Store) -> FlaskClient:
    return create_app(settings, store, start_relay=False).server.test_client()


def test_a_key_scoped_to_its_office_posts_tasks_and_bad_ones_are_quarantined(
        client: FlaskClient, store: Store) -> None:
    key = {"Authorization": "Bearer " + Accounts(store).issue_feed_key("vpcp", ["TASK"],
                                                                       ["TTg", "PTTg"])}
    resp = client.post("/api/v1/tasks", headers=key, json=[
        _task("1/TB-VPCP"), _task("2/TB-VPCP", agency="01", due_in=3),
        _task("3/TB-VPCP", agency="XYZ"), _task("4/TB-VPCP", due_in=-100)])
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["accepted"], body["quarantined"]) == (2, 2)
    assert "agency" in body["rejected"][0]["reason"] and "due_on" in body["rejected"][1]["reason"]
    assert {e["kind"] for e in store.quarantined()} == {"task"}
    refused = client.post("/api/v1/tasks", headers=key, json=[_task("5", issued_by="CP")])
    assert refused.status_code == 403 and [t["number"] for t in store.tasks()] == [
        "1/TB-VPCP", "2/TB-VPCP"]
    assert store.audit_log(5)[0]["action"] == "tasks.refused"
    listed = client.get("/api/v1/tasks", headers=bearer(store, "viewer", "internal")).get_json()
    states = {t["number"]: (t["state"], t["days_to_due"]) for t in listed["tasks"]}
    assert states == {"1/TB-VPCP": ("overdue", -3), "2/TB-VPCP": ("near_due", 3)}
    by_agency = {a["agency"]: a for a in listed["agencies"]}
    assert (by_agency["BXD"]["overdue"], by_agency["BXD"]["on_time_rate"]) == (1, 0.0)
    assert by_agency["01"]["name_vi"] == "Thành phố Hà Nội"
    public = bearer(store, "viewer", "public")
    assert client.get("/api/v1/tasks", headers=public).status_code == 403


def test_a_task_file_is_imported_within_its_key_scope(settings: WallSettings, store: Store,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "nhiem-vu.csv"
    path.write_text(
        "number,title,document,issued_by,agency,issued_on,due_on,status,completed_on\n"
        "7/TB-VPCP,Báo cáo cung ứng xăng dầu,TB 7,TTg,BCT,2026-01-05,2026-02-05,done,2026-02-01\n"
        "8/TB-VPCP,Rà soát thủ tục,TB 8,TTg,BTP,2026-01-05,2026-02-05,done,\n", encoding="utf-8")
    with pytest.raises(PermissionError):
        ingest_file(store, settings, path, "vpcp", allow=lambda ind, area: area == "CP")
    assert store.tasks() == []
    result = ingest_file(store, settings, path, "vpcp", allow=lambda ind, area: area == "TTg")
    assert (result.accepted, result.quarantined) == (1, 1)
    [kept] = store.tasks()
    assert (kept["number"], kept["completed_on"], kept["source"]) == ("7/TB-VPCP",
                                                                      "2026-02-01", "vpcp")
    assert "completed_on" in store.quarantined()[0]["reason"]


def test_the_demo_tasks_are_simulated_and_the_panel_says_so(settings: WallSettings,
                                                           store: Store) -> None:
    feed = next(f for f in build_feeds(settings) if f.kind == "task_sim")
    assert FeedRunner(store, [feed]).run_once(feed) == 0  # tasks are not observations
    tasks = store.tasks()
    assert len(tasks) == 40 and all(t["simulated"] and "MÔ PHỎNG" in t["document"]
                                    for t in tasks)
    assert store.feeds_health()[feed.id]["records_in"] == "40"
    tree = panels(settings)["direction"].build(PanelContext(settings, store))
    nodes = walk(tree)
    marks = [n for n in nodes if "task-sim" in (getattr(n, "className", "") or "")]
    assert len(marks) == 2 and all(m.children == "MÔ PHỎNG" for m in marks)
    rows = [n for n in nodes if getattr(n, "data-agency", None)]
    overdue = [int(getattr(r, "data-overdue")) for r in rows]
    assert overdue == sorted(overdue, reverse=True) and overdue[0] >= 1
    listed = [getattr(n, "data-state") for n in nodes if getattr(n, "data-task", None)]
    assert listed and set(listed) <= {"overdue", "near_due"}
