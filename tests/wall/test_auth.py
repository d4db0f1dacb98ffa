"""Every door checked, against a real Redis: routes, socket events, roles, clearance, tokens."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.helpers import PASSWORD, bearer, record, wait_for
from wall.accounts import Accounts
from wall.app import WallApp, create_app
from wall.config import WallSettings
from wall.ingest import ingest_records
from wall.store import Store

RESTRICTED = "BORDER_CROSSINGS_D"  # classification: restricted in the catalogue
INTERNAL = "PORT_CARGO_D"  # internal: every role's default clearance sees it
PAGES_OUTPUT = ".._pages_content.children..._pages_store.data.."
OPEN_TO_ANYONE = {"/login", "/livez", "/assets/wall.css", "/assets/vendor/bootstrap.min.css"}


@pytest.fixture
def wall(settings: WallSettings, store: Store, tmp_path: Any,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[WallApp]:
    monkeypatch.setenv("WALL_REPORTS_DIR", str(tmp_path / "reports"))
    app = create_app(settings, store, start_relay=False)
    yield app
    app.relay.stop()


@pytest.fixture
def anon(wall: WallApp) -> FlaskClient:
    return wall.server.test_client()


def _login(client: FlaskClient, name: str, password: str = PASSWORD,
           addr: str = "127.0.0.1") -> Any:
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf, "the login form carries a CSRF token"
    return client.post("/login", data={"username": name, "password": password,
                                       "csrf_token": csrf.group(1)},
                       environ_base={"REMOTE_ADDR": addr})


def _user(wall: WallApp, name: str, role: str, clearance: str | None = None) -> FlaskClient:
    """A browser-like client logged in as a new user."""
    wall.accounts.add_user(name, PASSWORD, role, clearance)
    client = wall.server.test_client()
    assert _login(client, name).status_code == 302
    return client


def _csrf(client: FlaskClient) -> dict[str, str]:
    cookie = client.get_cookie("_csrf_token")
    assert cookie is not None, "a logged-in browser holds the CSRF cookie Dash sends back"
    return {"X-CSRFToken": cookie.value}


def _page_callback(client: FlaskClient, path: str, headers: dict[str, str] | None = None) -> Any:
    """Ask Dash's page-routing callback for a page, as the browser does after loading it."""
    body = {"output": PAGES_OUTPUT, "outputs": [
        {"id": "_pages_content", "property": "children"},
        {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                   {"id": "_pages_location", "property": "search", "value": ""}],
        "changedPropIds": ["_pages_location.pathname"], "state": []}
    return client.post("/_dash-update-component", json=body, headers=headers or {})


def _example_path(rule: Any) -> str:
    path = str(rule.rule)
    fill = {"filename": "geo/vn_provinces_34.geojson", "panel_id": "overview",
            "screen_id": "s1", "camera": "cam-1", "package_name": "dash/dash-renderer/build",
            "fingerprinted_path": "dash_renderer.min.js", "path_info": "x"}
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: fill.get(m.group(1), "x"), path)


def test_every_registered_route_refuses_an_anonymous_caller(wall: WallApp,
                                                             anon: FlaskClient) -> None:
    checked = 0
    for rule in wall.server.url_map.iter_rules():
        path = _example_path(rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            resp = anon.open(path, method=method)
            if path in OPEN_TO_ANYONE:
                continue
            assert resp.status_code in (302, 401), (method, path, resp.status_code)
            if resp.status_code == 302:
                assert resp.headers["Location"].startswith("/login"), (method, path)
            assert b"{" not in resp.data or b"login required" in resp.data, (method, path)
            checked += 1
    assert checked >= 20, "the enumeration found the app's routes"
    for path in OPEN_TO_ANYONE:  # the login page and what it is drawn with, and nothing else
        assert anon.get(path).status_code == 200
    assert anon.get("/assets/wall.js").status_code in (302, 401)
    assert anon.get("/assets/geo/vn_provinces_34.geojson").status_code in (302, 401)


def test_every_socket_event_refuses_an_anonymous_caller(wall: WallApp, store: Store) -> None:
    events = set(wall.socketio.server.handlers["/"])
    assert events == {"connect", "join", "disconnect"}, "a new socket event needs a check here"
    anonymous = wall.socketio.test_client(wall.server)
    assert not anonymous.is_connected()
    foreign = wall.socketio.test_client(wall.server, headers={
        **bearer(store, "viewer"), "Origin": "http://evil.example"})
    assert not foreign.is_connected(), "a cross-site socket is refused"
    feed = wall.socketio.test_client(wall.server, headers={
        "Authorization": "Bearer " + wall.accounts.issue_feed_key("x", ["*"], ["*"])})
    assert not feed.is_connected(), "a feed key does not open a socket"
    viewer = wall.socketio.test_client(wall.server, headers=bearer(store, "viewer"))
    assert viewer.emit("join", {"panel": "overview"}, callback=True)["ok"] is True
    assert not viewer.emit("join", {"panel": "overview", "screen": "nope"}, callback=True)["ok"]


def test_a_viewer_without_clearance_gets_no_restricted_value_by_any_path(
        wall: WallApp, store: Store) -> None:
    ingest_records(store, "t", [record(indicator=RESTRICTED, area="20", value=4321.0,
                              dims={"gate": "Hữu Nghị"}),
                       record(indicator=INTERNAL, value=2715.0)])
    viewer = _user(wall, "lanhdao", "viewer")  # viewer: internal clearance
    admin = _user(wall, "quantri", "admin")  # admin: restricted clearance

    api = viewer.get(f"/api/v1/observations/latest?indicator={RESTRICTED}")
    assert api.status_code == 403 and b"4321" not in api.data
    assert viewer.get(f"/api/v1/series?indicator={RESTRICTED}&area=20").status_code == 403
    assert admin.get(f"/api/v1/series?indicator={RESTRICTED}&area=20").status_code == 200

    page = _page_callback(viewer, "/screen/border-gates", _csrf(viewer))
    assert page.status_code == 200
    text = json.dumps(page.get_json(), ensure_ascii=False)
    assert RESTRICTED not in text and "locked-tile" in text
    assert "Hoàng Sa" in text and "Trường Sa" in text  # the map stays, without its data layer
    assert RESTRICTED in _page_callback(admin, "/screen/border-gates",
                                        _csrf(admin)).get_data(as_text=True)

    sock = wall.socketio.test_client(wall.server, flask_test_client=viewer)
    snap = sock.emit("join", {"panel": "border-gates"}, callback=True)["snapshot"]
    sent = {o["indicator"] for o in snap["latest"]} | {k.split(":")[0] for k in snap["history"]}
    assert INTERNAL in sent and RESTRICTED not in sent
    full = wall.socketio.test_client(wall.server, flask_test_client=admin)
    snap = full.emit("join", {"panel": "border-gates"}, callback=True)["snapshot"]
    assert RESTRICTED in {o["indicator"] for o in snap["latest"]}


def test_pushed_batches_are_filtered_by_clearance(settings: WallSettings, store: Store) -> None:
    wall = create_app(settings, store)  # with the relay running on the real Redis
    try:
        low = wall.socketio.test_client(wall.server, headers=bearer(store, "viewer"))
        high = wall.socketio.test_client(wall.server, headers=bearer(store, "admin"))
        for c in (low, high):
            assert c.emit("join", {"panel": "border-gates"}, callback=True)["ok"]
        wait_for(lambda: wall.relay.redis_up, "the relay's subscriber up")
        ingest_records(store, "t", [record(indicator=RESTRICTED, area="20", value=11.0,
                                  dims={"gate": "Hữu Nghị"}),
                           record(indicator=INTERNAL, value=12.0)])
        got: dict[str, set[str]] = {"low": set(), "high": set()}
        deadline = time.time() + 60  # readiness: ends as soon as both have what they wait for
        while time.time() < deadline and (len(got["high"]) < 2 or not got["low"]):
            for name, c in (("low", low), ("high", high)):
                for e in c.get_received():
                    if e["name"] == "obs":
                        got[name] |= {o["indicator"] for batch in e["args"] for o in batch}
            time.sleep(0.05)
        assert got["high"] == {RESTRICTED, INTERNAL}
        assert got["low"] == {INTERNAL}
    finally:
        wall.relay.stop()


def test_export_runs_with_the_callers_clearance(wall: WallApp, store: Store,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import wall.export as export

    urls: list[str] = []
    monkeypatch.setattr(export, "render", lambda url, *a, **kw: urls.append(url) or b"%PNG")
    viewer = _user(wall, "lanhdao", "viewer")
    assert viewer.get("/api/v1/export?target=panel:border-gates").status_code == 200
    token = urls[-1].split("token=")[1]
    browser = wall.server.test_client()  # what the export's headless browser would do
    assert browser.get(f"/screen/border-gates?token={token}").status_code == 302
    body = _page_callback(browser, "/screen/border-gates").get_data(as_text=True)
    assert "locked-tile" in body and RESTRICTED not in body
    assert browser.get("/control").status_code == 403
    assert browser.get(f"/api/v1/series?indicator={INTERNAL}&area=VN").status_code == 403
    actions = {(e["who"], e["action"]) for e in store.audit_log(10)}
    assert ("lanhdao", "export") in actions
    assert ("export:lanhdao", "auth.refused") in actions  # its attempt at /control


def test_a_screen_token_opens_its_screen_only_and_revoking_it_ends_it(
        wall: WallApp, store: Store) -> None:
    token = wall.accounts.issue_screen_token("s1", "internal")
    kiosk = wall.server.test_client()
    first = kiosk.get(f"/s/s1?token={token}")
    assert first.status_code == 302 and first.headers["Location"] == "/s/s1"
    cookie = kiosk.get_cookie("wall_device")
    assert cookie is not None and cookie.http_only
    assert kiosk.get("/s/s1").status_code == 200
    assert _page_callback(kiosk, "/s/s1").status_code == 200
    assert "page-refused" in _page_callback(kiosk, "/s/s2").get_data(as_text=True)
    for path in ("/s/s2", "/screen/overview", "/control", "/", "/api/v1/screens",
                 f"/api/v1/series?indicator={INTERNAL}&area=VN"):
        assert kiosk.get(path).status_code == 403, path
    sock = wall.socketio.test_client(wall.server, flask_test_client=kiosk)
    assert sock.emit("join", {"panel": "overview", "screen": "s1"}, callback=True)["ok"]
    assert not sock.emit("join", {"panel": "customs", "screen": "s1"}, callback=True)["ok"]
    assert not sock.emit("join", {"panel": "customs", "screen": "s2"}, callback=True)["ok"]

    assert wall.accounts.revoke_screen_token("s1")
    assert wall.relay.revalidate() == 1  # the relay's watch does this every few seconds
    assert not sock.is_connected()  # told "revoked", then cut off (the e2e test sees it blank)
    assert kiosk.get("/s/s1").status_code == 302  # to the login page: the token is gone
    assert kiosk.get(f"/s/s1?token={token}").status_code == 401


def test_a_feed_key_writes_only_its_own_indicators_and_areas(wall: WallApp, store: Store,
                                                             tmp_path: Path) -> None:
    key = wall.accounts.issue_feed_key("sys-customs", ["CUSTOMS_*"], ["VN"])
    feed = wall.server.test_client()
    feed.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    ok = feed.post("/api/v1/observations", json=[record(indicator="CUSTOMS_DECLARATIONS_D")])
    assert ok.status_code == 200 and ok.get_json()["accepted"] == 1
    assert store.latest("CUSTOMS_DECLARATIONS_D")[0].source == "sys-customs"  # not "test"
    assert store.feeds_health()["sys-customs"]["records_in"] == "1"
    for bad in (record(), record(indicator="CUSTOMS_DECLARATIONS_D", area="79")):
        resp = feed.post("/api/v1/observations", json=[record(indicator="CUSTOMS_EXPORT_VALUE_D"),
                                                       bad])
        assert resp.status_code == 403 and resp.get_json()["outside"] == [1]
    assert store.latest("CUSTOMS_EXPORT_VALUE_D") == [], "a refused batch stores nothing"
    assert store.latest("EXPORTS_M") == []
    csv = b"indicator_code,period,value,unit\nEXPORTS_M,2026-10,1,million USD\n"
    upload = feed.post("/api/v1/reports", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(csv), "r.csv")})
    assert upload.status_code == 403 and store.latest("EXPORTS_M") == []
    assert not [p for p in (tmp_path / "reports").rglob("*") if p.is_file()]  # nor kept on disk
    assert feed.get("/api/v1/series?indicator=CUSTOMS_DECLARATIONS_D&area=VN").status_code == 403
    assert "report.refused" in [e["action"] for e in store.audit_log(5)]
    assert wall.accounts.revoke_token(key)
    assert feed.post("/api/v1/observations", json=[record()]).status_code == 401


def test_logins_are_throttled_and_every_attempt_is_audited(wall: WallApp, store: Store) -> None:
    wall.accounts.add_user("vanhanh", PASSWORD, "operator")
    client = wall.server.test_client()
    for _ in range(5):
        assert _login(client, "vanhanh", "not the password").status_code == 401
    blocked = _login(client, "vanhanh")  # the right password, but too late
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    other = wall.server.test_client()  # another workstation is not locked out
    assert _login(other, "vanhanh", addr="10.0.0.9").status_code == 302
    actions = [e["action"] for e in store.audit_log(20)]
    assert actions.count("auth.login_failed") == 5
    assert "auth.login_throttled" in actions and actions[0] == "auth.login"
    assert store.audit_log(1)[0]["where"] == "10.0.0.9"


def test_state_changes_need_the_csrf_token_and_the_role(wall: WallApp, store: Store) -> None:
    viewer = _user(wall, "lanhdao", "viewer")
    assert viewer.post("/api/v1/screens/s1", json={"panel": "customs"},
                       headers=_csrf(viewer)).status_code == 403
    operator = _user(wall, "vanhanh", "operator")
    assert operator.post("/api/v1/screens/s1", json={"panel": "customs"}).status_code == 403
    ok = operator.post("/api/v1/screens/s1", json={"panel": "customs"}, headers=_csrf(operator))
    assert ok.status_code == 200
    entry = store.audit_log(1)[0]
    assert (entry["who"], entry["action"]) == ("vanhanh", "screen.switch")
    assert "customs" in entry["detail"] and entry["at"]
    csv = b"indicator_code,period,value,unit\nEXPORTS_M,2026-10,1,million USD\n"
    upload = operator.post("/api/v1/reports", content_type="multipart/form-data",
                           headers=_csrf(operator), data={"file": (io.BytesIO(csv), "r.csv")})
    assert upload.status_code == 200
    entry = store.audit_log(1)[0]
    assert (entry["who"], entry["action"], entry["where"]) == ("vanhanh", "report.upload",
                                                               "127.0.0.1")
    console = {"output": "..console-grid.children...console-message.children..",
               "outputs": [], "inputs": [], "changedPropIds": [], "state": []}
    assert viewer.post("/_dash-update-component", json=console,
                       headers=_csrf(viewer)).status_code == 403
    assert viewer.post("/api/v1/observations", json=[record()],
                       headers=_csrf(viewer)).status_code == 403


def test_sessions_end_when_the_user_is_disabled_or_the_password_changes(
        wall: WallApp, store: Store) -> None:
    client = _user(wall, "lanhdao", "viewer")
    assert client.get("/screen/overview").status_code == 200
    wall.accounts.set_password("lanhdao", "another long password")
    assert client.get("/screen/overview").status_code == 302
    assert _login(client, "lanhdao", "another long password").status_code == 302
    wall.accounts.set_disabled("lanhdao", True)
    assert client.get("/screen/overview").status_code == 302
    assert _login(client, "lanhdao", "another long password").status_code == 401


def test_pages_carry_the_security_headers_and_cookies(wall: WallApp) -> None:
    client = _user(wall, "lanhdao", "viewer")
    resp = client.get("/screen/overview")
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp
    assert "'unsafe-eval'" not in csp and "script-src 'self' 'sha256-" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert resp.headers["Cache-Control"] == "no-store"
    session = client.get_cookie("wall_session")
    assert session is not None and session.http_only and session.same_site == "Lax"


def test_secrets_are_stored_only_as_hashes(store: Store) -> None:
    accounts = Accounts(store)
    accounts.add_user("quantri", PASSWORD, "admin")
    raws = [accounts.issue_user_token("quantri"), accounts.issue_screen_token("s1", "internal"),
            accounts.issue_feed_key("api", ["*"], ["*"])]
    dump = b""
    for key in store.r.scan_iter(f"{store.prefix}*"):
        dump += key + b"".join(k + v for k, v in store.r.hgetall(key).items()) \
            if store.r.type(key) == b"hash" else key
    assert b"$argon2id$" in dump and PASSWORD.encode() not in dump
    assert not any(raw.encode() in dump for raw in raws)
    assert all(accounts.resolve(raw) is not None for raw in raws)


def test_user_and_token_commands_are_audited_and_need_an_admin(
        store: Store, redis_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from wall.cli import main

    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("WALL_PREFIX", store.prefix)
    monkeypatch.setenv("WALL_NEW_PASSWORD", PASSWORD)
    assert main(["users", "add", "quantri", "--role", "admin"]) == 0  # the first admin
    assert main(["users", "add", "lanhdao"]) == 3  # after that, only as an admin
    monkeypatch.setenv("WALL_USER", "quantri")
    monkeypatch.setenv("WALL_PASSWORD", "not-the-password")
    assert main(["users", "add", "lanhdao", "--role", "viewer"]) == 3
    assert "wrong user name or password" in capsys.readouterr().err  # not "needs an account"
    monkeypatch.setenv("WALL_PASSWORD", PASSWORD)
    assert main(["users", "add", "lanhdao", "--role", "viewer"]) == 0
    assert main(["users", "token", "lanhdao"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert Accounts(store).resolve(token).name == "lanhdao"  # type: ignore[union-attr]
    assert main(["screens", "token", "issue", "s4"]) == 0
    url = capsys.readouterr().out.strip()
    assert re.match(r"^http://127\.0\.0\.1:8050/s/s4\?token=ws_", url)
    screen = Accounts(store).resolve(url.split("token=")[1])
    assert screen is not None and screen.clearance == "restricted"  # s4's wall.yaml clearance
    assert main(["screens", "token", "revoke", "s4"]) == 0
    assert Accounts(store).resolve(url.split("token=")[1]) is None
    assert main(["users", "revoke-tokens", "lanhdao"]) == 0
    assert Accounts(store).resolve(token) is None
    assert main(["users", "token", "lanhdao"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["users", "disable", "lanhdao"]) == 0
    assert Accounts(store).resolve(token) is None
    monkeypatch.setenv("WALL_TOKEN", Accounts(store).issue_user_token("quantri"))
    assert main(["audit", "--json"]) == 0
    actions = [e["action"] for e in store.audit_log(20)]
    for action in ("users.add", "users.token", "screens.token_issue", "screens.token_revoke",
                   "users.revoke-tokens", "users.disable"):
        assert action in actions
    assert all(e["where"].startswith("cli:") for e in store.audit_log(5))


def test_export_browser_goes_to_this_server_whatever_the_host_header(
        wall: WallApp, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import wall.export as export

    urls: list[str] = []
    monkeypatch.setattr(export, "render", lambda url, *a, **kw: urls.append(url) or b"%PNG")
    viewer = wall.server.test_client()
    resp = viewer.get("/api/v1/export?target=panel:overview",
                      headers={**bearer(store, "viewer"), "Host": "169.254.169.254"})
    assert resp.status_code == 200
    assert urls[-1].startswith("http://127.0.0.1:"), urls[-1]


def test_a_feed_key_cannot_reach_past_its_scope_through_quarantine(wall: WallApp,
                                                                    store: Store) -> None:
    key = wall.accounts.issue_feed_key("sys-customs", ["CUSTOMS_*"], ["VN"])
    feed = wall.server.test_client()
    rows = (b"indicator_code,period,value,unit\nEXPORTS_M,2026-10,99999,not a unit\n"
            b"CUSTOMS_DECLARATIONS_D,2026-10-01,5,declarations\n")
    for name in ("r.csv", "DTC-THANG__BTC__2026-10.csv"):  # a rejected row; another unit
        resp = feed.post("/api/v1/reports", content_type="multipart/form-data",
                         headers={"Authorization": f"Bearer {key}"},
                         data={"file": (io.BytesIO(rows), name)})
        assert resp.status_code == 403, resp.get_json()
    assert store.quarantine_count() == 0 and store.submissions("DTC-THANG", "2026-10") == {}


def test_sockets_of_a_disabled_user_or_a_closed_session_are_dropped(wall: WallApp,
                                                                    store: Store) -> None:
    wall.accounts.add_user("quantri", PASSWORD, "admin")
    token = wall.accounts.issue_user_token("quantri")
    by_token = wall.socketio.test_client(wall.server,
                                         headers={"Authorization": f"Bearer {token}"})
    browser = _user(wall, "lanhdao", "viewer")
    by_session = wall.socketio.test_client(wall.server, flask_test_client=browser)
    copied = browser.get_cookie("wall_session")
    assert by_token.is_connected() and by_session.is_connected()
    wall.accounts.set_disabled("quantri", True)
    browser.get("/logout")
    assert wall.relay.revalidate() == 2
    assert not by_token.is_connected() and not by_session.is_connected()
    stolen = wall.server.test_client()  # the cookie as it was before the logout
    assert copied is not None
    stolen.set_cookie(copied.key, copied.value)
    assert stolen.get("/screen/overview").status_code == 302


def test_sockets_sharing_one_login_are_checked_once_a_round_and_dropped_together(
        wall: WallApp, monkeypatch: pytest.MonkeyPatch) -> None:
    wall.accounts.add_user("quantri", PASSWORD, "admin")
    token = wall.accounts.issue_user_token("quantri")
    sockets = [wall.socketio.test_client(wall.server,
                                         headers={"Authorization": f"Bearer {token}"})
               for _ in range(5)]
    asked: list[Any] = []
    real = wall.accounts.still_valid
    monkeypatch.setattr(wall.accounts, "still_valid", lambda p: asked.append(p) or real(p))
    assert wall.relay.revalidate() == 0
    assert len(asked) == 1 and all(s.is_connected() for s in sockets)
    wall.accounts.revoke_token(token)
    assert wall.relay.revalidate() == 5
    assert len(asked) == 2 and not any(s.is_connected() for s in sockets)


@pytest.mark.parametrize("nxt", ["/\t/evil.example/x", "//evil.example", "https://evil.example",
                                 "/\\evil.example", "/ok\nSet-Cookie: x=1"])
def test_login_never_redirects_off_the_site(wall: WallApp, nxt: str) -> None:
    wall.accounts.add_user("lanhdao", PASSWORD, "viewer")
    client = wall.server.test_client()
    page = client.get("/login", query_string={"next": nxt})
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert csrf
    resp = client.post("/login", data={"username": "lanhdao", "password": PASSWORD,
                                       "csrf_token": csrf.group(1), "next": nxt})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_only_a_bearer_token_spares_a_request_the_csrf_check(wall: WallApp) -> None:
    operator = _user(wall, "vanhanh", "operator")
    for header in ("Basic dmFuaGFuaDp4", "Negotiate abc"):
        resp = operator.post("/api/v1/screens/s1", json={"panel": "customs"},
                             headers={"Authorization": header})
        assert resp.status_code == 403, header
    cross = operator.get("/api/v1/export?target=panel:overview",
                         headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403  # another site cannot start exports in a user's name


def test_operators_see_no_restricted_record_in_quarantine(
        settings: WallSettings, store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    from wall.operator_cli import cmd_quarantine

    store.quarantine("t", "bad period", {"indicator": RESTRICTED, "value": 4242, "period": "x"})
    entry = store.quarantined()[0]
    assert cmd_quarantine(store, settings, "show", [entry["id"]], 10, "internal") == 0
    assert "4242" not in capsys.readouterr().out
    cmd_quarantine(store, settings, "replay", [entry["id"]], 10, "internal")
    assert "not cleared" in capsys.readouterr().out
    assert cmd_quarantine(store, settings, "show", [entry["id"]], 10, "restricted") == 0
    assert "4242" in capsys.readouterr().out


def test_refusals_cannot_flood_the_audit_stream(wall: WallApp, store: Store) -> None:
    anon = wall.server.test_client()
    for _ in range(60):
        assert anon.get("/s/s1?token=junk").status_code == 401
    refused = [e for e in store.audit_log(100) if e["action"] == "auth.token_refused"]
    assert 5 <= len(refused) <= 7  # the first five, then the 10th, the 100th…


def test_a_login_drops_a_kiosk_cookie_and_a_restart_keeps_a_disabled_admin_out(
        wall: WallApp, store: Store) -> None:
    wall.accounts.ensure_admin(PASSWORD)
    client = wall.server.test_client()
    token = wall.accounts.issue_screen_token("s1", "internal")
    assert client.get(f"/s/s1?token={token}").status_code == 302
    assert _login(client, "admin").status_code == 302
    assert client.get_cookie("wall_device") is None
    assert client.get("/api/v1/audit").status_code == 200  # the admin, not the kiosk
    wall.accounts.set_disabled("admin", True)
    wall.accounts.ensure_admin(PASSWORD)  # what every start with WALL_ADMIN_PASSWORD does
    assert wall.accounts.user("admin").disabled  # type: ignore[union-attr]


def test_a_screen_gets_camera_images_only_when_it_shows_cameras(wall: WallApp) -> None:
    for screen, status in (("s1", 403), ("s5", 204)):  # overview; cameras
        kiosk = wall.server.test_client()
        kiosk.get(f"/s/{screen}?token=" + wall.accounts.issue_screen_token(screen, "internal"))
        assert kiosk.get("/api/v1/cameras/DAM-35-1/snapshot").status_code == status


@pytest.mark.parametrize("scope,name,rows", [
    (["CUSTOMS_*"], "r.csv", b"indicator_code,area_code,period,value,unit,file\n"
     b"BORDER_CROSSINGS_D,20,2026-01-03,abc,persons,x\n"),  # rejected; a "file" column
    (["PUBINV_*"], "DTC-THANG__BTC__2026-01.csv", b"indicator_code,period,value,unit\n"
     b"PUBINV_DISBURSED_D,2026-01-04,77,not a unit\n"),  # no area: VN, as a replay reads it
])
def test_rejected_rows_are_held_to_the_keys_scope_too(wall: WallApp, store: Store,
                                                      scope: list[str], name: str,
                                                      rows: bytes) -> None:
    key = wall.accounts.issue_feed_key("sys-x", scope, ["BTC", "20"] if "PUBINV" in scope[0]
                                       else ["VN"])
    resp = wall.server.test_client().post(
        "/api/v1/reports", content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {key}"}, data={"file": (io.BytesIO(rows), name)})
    assert resp.status_code == 403 and store.quarantine_count() == 0


def test_a_replay_stays_within_the_scope_and_clearance_it_came_with(
        wall: WallApp, settings: WallSettings, store: Store,
        capsys: pytest.CaptureFixture[str]) -> None:
    from wall.access import Scope
    from wall.operator_cli import cmd_quarantine

    key = wall.accounts.issue_feed_key("sys-customs", ["CUSTOMS_*"], ["VN"])
    feed = wall.server.test_client()
    feed.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    as_text = json.dumps(record(indicator="BORDER\\u005fCROSSINGS\\u005fD", area="20"))
    assert feed.post("/api/v1/observations", json=[as_text]).status_code == 400
    store.quarantine("sys-customs", "held", record(), scope=Scope(("CUSTOMS_*",),
                                                                  ("VN",)).to_json())
    store.quarantine("t", "held", json.dumps(record(indicator=RESTRICTED, value=4242.0))
                     .replace("_", "\\u005f"))
    cmd_quarantine(store, settings, "show", [e["id"] for e in store.quarantined()], 10,
                   "internal")
    assert "4242" not in capsys.readouterr().out  # an escaped code is still recognised
    cmd_quarantine(store, settings, "replay", ["all"], 10, "internal")
    out = capsys.readouterr().out
    assert "outside the scope of the key" in out and "not cleared" in out
    assert store.latest("EXPORTS_M") == [] and store.latest(RESTRICTED) == []


def test_people_write_only_within_their_clearance(wall: WallApp, store: Store) -> None:
    operator = _user(wall, "vanhanh", "operator")  # clearance: internal
    rows = b"indicator_code,area_code,period,value,unit\nBORDER_CROSSINGS_D,20,2026-01-03,9,x\n"
    resp = operator.post("/api/v1/reports", content_type="multipart/form-data",
                         headers=_csrf(operator), data={"file": (io.BytesIO(rows), "r.csv")})
    assert resp.status_code == 403 and store.quarantine_count() == 0
    store.record_health("sys-border", ok=False, error=f"bad record {RESTRICTED} 4242")
    feeds = operator.get("/healthz").get_json()["feeds"]
    assert "4242" not in feeds["sys-border"]["last_error"]
    assert "feeds" not in _user(wall, "lanhdao", "viewer").get("/healthz").get_json()


def test_api_tokens_end_with_a_password_change(wall: WallApp) -> None:
    wall.accounts.add_user("lanhdao", PASSWORD, "viewer")
    token = wall.accounts.issue_user_token("lanhdao")
    assert wall.accounts.resolve(token) is not None
    wall.accounts.set_password("lanhdao", "another long password")
    assert wall.accounts.resolve(token) is None
    token = wall.accounts.issue_user_token("lanhdao")
    wall.accounts.set_disabled("lanhdao", True)
    wall.accounts.set_disabled("lanhdao", False)
    assert wall.accounts.resolve(token) is None  # re-enabling does not revive old tokens


def test_the_demo_prints_an_api_token_only_for_its_embedded_redis(
        store: Store, settings: WallSettings, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from wall.cli import _open_doors

    monkeypatch.setenv("REDIS_URL", "redis://shared")
    _open_doors(store, settings, "http://h", demo=True)
    out = capsys.readouterr().out
    assert "s1: http://h/s/s1?token=ws_" in out and "API token" not in out
    monkeypatch.delenv("REDIS_URL")
    _open_doors(store, settings, "http://h", demo=True)
    assert "API token (admin): wu_" in capsys.readouterr().out
