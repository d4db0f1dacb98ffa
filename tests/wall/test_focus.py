"""Focus: one indicator on the chosen screens, and every screen back to what it showed after."""

from __future__ import annotations

from flask.testing import FlaskClient

from layouts.registry import PanelContext, panels
from tests.helpers import bearer, obs, walk
from wall.app import create_app
from wall.config import WallSettings
from wall.store import Store


def test_focus_then_clear_gives_each_screen_back_its_panel_and_playlist(
        settings: WallSettings, store: Store) -> None:
    client: FlaskClient = create_app(settings, store, start_relay=False).server.test_client()
    operator, viewer = bearer(store, "operator"), bearer(store, "viewer")
    client.post("/api/v1/screens/s1", headers=operator, json={"playlist": "hop-chinh-phu"})
    client.post("/api/v1/screens/s2", headers=operator,
                json={"panel": "analysis", "params": {"indicator": "CPI_M_YOY_IDX"}})
    assert client.post("/api/v1/focus", headers=viewer,
                       json={"indicator": "EXPORTS_M"}).status_code == 403
    assert client.post("/api/v1/focus", headers=operator,
                       json={"indicator": "NOPE"}).status_code == 400
    resp = client.post("/api/v1/focus", headers=operator,
                       json={"indicator": "EXPORTS_M", "area": "01", "screens": ["s1", "s2"]})
    assert resp.status_code == 200 and resp.get_json()["focused"] == ["s1", "s2"]
    listed = {s["id"]: s for s in client.get("/api/v1/screens", headers=viewer).get_json()[
        "screens"]}
    assert [listed[s]["panel"] for s in ("s1", "s2", "s3")] == ["focus", "focus", "emergency"]
    assert listed["s1"]["params"] == {"indicator": "EXPORTS_M", "area": "01"}
    assert listed["s1"]["playlist"] == ""  # a focus holds the playlist still
    client.post("/api/v1/focus", headers=operator, json={"indicator": "IMPORTS_M"})  # all six
    cleared = client.post("/api/v1/focus/clear", headers=operator, json={}).get_json()
    assert cleared["cleared"] == ["s1", "s2", "s3", "s4", "s5", "s6"]
    back = {s["id"]: s for s in cleared["screens"]}
    assert (back["s1"]["panel"], back["s1"]["playlist"]) == ("overview", "hop-chinh-phu")
    assert (back["s2"]["panel"], back["s2"]["params"]) == ("analysis",
                                                         {"indicator": "CPI_M_YOY_IDX"})
    assert back["s3"]["panel"] == "emergency" and back["s6"]["panel"] == "connectivity"
    actions = [e["action"] for e in store.audit_log(30)]
    assert "focus.set" in actions and "focus.clear" in actions
    assert client.post("/api/v1/focus/clear", headers=operator).get_json()["cleared"] == []


def test_the_focus_panel_shows_value_trend_map_and_ranking(settings: WallSettings,
                                                           store: Store) -> None:
    store.write([obs(area=a, period="2024-06", value=v, unit="million USD")
                 for a, v in (("VN", 33090.0), ("79", 9000.0), ("01", 4000.0), ("31", 2500.0))])
    tree = panels(settings)["focus"].build(PanelContext(settings, store, params={
        "indicator": "EXPORTS_M", "area": "01", "compare": "79"}))
    nodes = walk(tree)
    assert getattr(tree, "data-panel") == "focus" and getattr(tree, "data-indicator") == \
        "EXPORTS_M"
    def having(cls: str) -> list[object]:
        return [n for n in nodes if cls in (getattr(n, "className", None) or "")]

    assert [getattr(n, "data-key") for n in having("kpi-tile")] == [
        "EXPORTS_M:VN", "EXPORTS_M:01", "EXPORTS_M:79"]  # the province beside the one compared
    assert having("map-tile") and having("trend-tile")
    rows = [n for n in nodes if type(n).__name__ == "Tr"][1:]
    ranked = [[c.children for c in r.children] for r in rows]
    assert [r[2] for r in ranked] == ["9,00", "4,00", "2,50"]  # as the tiles print them
    assert "Hà Nội" in ranked[1][1] and not any(r[1].isdigit() for r in ranked)
