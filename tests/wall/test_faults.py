"""Faults and probes: a Redis that is away gives a 503 with Retry-After (JSON for programs), never a
500; a load balancer's liveness probe needs no token; an unknown API path is a JSON 404."""

from __future__ import annotations

import pytest
import redis
from flask.testing import FlaskClient

from tests.conftest import free_port
from tests.helpers import bearer, record
from wall.app import create_app
from wall.config import WallSettings
from wall.store import Store


def test_redis_away_is_a_503_with_retry_after_and_livez_still_answers(
        settings: WallSettings, store: Store) -> None:
    client: FlaskClient = create_app(settings, store, start_relay=False).server.test_client()
    admin = bearer(store)
    assert client.get("/livez").get_data(as_text=True) == "ok\n"  # anonymous
    unknown = client.get("/api/v1/nothing-here", headers=admin)
    assert unknown.status_code == 404 and "error" in unknown.get_json()
    store.r = redis.Redis(port=free_port(), socket_connect_timeout=0.5)  # Redis gone
    resp = client.post("/api/v1/observations", headers=admin, json=[record()])
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "5"
    assert "nothing was stored" in resp.get_json()["error"]
    health = client.get("/healthz", headers=admin)
    assert health.status_code == 503 and health.is_json
    page = client.get("/control", headers=admin)
    assert page.status_code == 503 and "không truy cập được" in page.get_data(as_text=True)
    assert client.get("/livez").status_code == 200  # alive, even so


def test_fuzzed_payloads_are_refused_with_a_reason_and_kept(settings: WallSettings,
                                                            store: Store) -> None:
    client: FlaskClient = create_app(settings, store, start_relay=False).server.test_client()
    admin = {**bearer(store), "Content-Type": "application/json"}
    bodies = ["[" * 5000 + "]" * 5000, '{"indicator": "\\udcff"}', "[" + "9" * 400 + "]",
              '{"value": ' + "9" * 400 + "}", "\"just a string\"", "not json at all"]
    bad_records = [record(indicator="EXPORTS_M\n"), record(period="２０２４-01"),
                   record(period="2024-13-01"), record(period="9999-12"),
                   record(unit="\udcff"), record(value=10**400),
                   record(dims={f"k{i}": "v" for i in range(20)})]
    before = store.quarantine_count()
    for body in bodies:
        resp = client.post("/api/v1/observations", headers=admin, data=body)
        assert resp.status_code in (400, 422), (body[:40], resp.status_code)
    import json

    for rec in bad_records:
        resp = client.post("/api/v1/observations", headers=admin,
                           data=json.dumps([rec], ensure_ascii=True))
        assert resp.status_code == 422, (rec, resp.status_code)
        assert resp.get_json()["rejected"][0]["reason"]
    assert store.quarantine_count() - before == len(bodies) + len(bad_records)
    assert store.latest("EXPORTS_M") == []  # nothing of it stored


def test_bodies_are_bounded_refusals_cannot_flood_the_audit_and_writes_are_on_record(
        settings: WallSettings, store: Store) -> None:
    from wall.accounts_cli import _printable

    client: FlaskClient = create_app(settings, store, start_relay=False).server.test_client()
    big = client.post("/login", data=b"x" * (5 * 1024 * 1024),
                      content_type="application/x-www-form-urlencoded")
    assert big.status_code == 413
    viewer = bearer(store, "viewer")
    before = len(store.audit_log(10_000))
    for i in range(300):  # a caller varying the path and the name it gives
        client.post(f"/api/v1/observations?x{i}", headers=viewer, json=[record()])
        client.get(f"/api/v1/audit/x{i}", headers=viewer)
    assert len(store.audit_log(10_000)) - before <= 20
    admin = bearer(store)
    client.post("/api/v1/observations", headers=admin, json=[record()])
    written = next(e for e in store.audit_log(5) if e["action"] == "ingest")
    assert '"accepted": 1' in written["detail"]
    assert _printable("admin\n\x1b[2J") == "admin\\n\\x1b[2J"


def test_behind_a_proxy_a_brute_force_locks_only_the_attacker_and_accounts_have_a_limit(
        settings: WallSettings, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from tests.helpers import PASSWORD
    from wall.accounts import Accounts

    monkeypatch.setenv("WALL_TRUSTED_PROXIES", "1")
    client = create_app(settings, store, start_relay=False).server.test_client()
    Accounts(store).add_user("minh", PASSWORD, "viewer")

    def login(name: str, password: str, client_addr: str) -> int:
        page = client.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf
        return client.post("/login", data={"username": name, "password": password,
                                           "csrf_token": csrf.group(1)},
                           headers={"X-Forwarded-For": client_addr},
                           environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code  # the proxy

    codes = [login("minh", "wrong", "203.0.113.9") for _ in range(25)]
    assert codes[:5] == [401] * 5 and codes[-1] == 429  # the attacker's address is locked
    assert login("minh", PASSWORD, "198.51.100.7") == 302  # everyone else still gets in
    client.get("/logout")
    spread = [login("minh", "wrong", f"192.0.2.{i // 5}") for i in range(50)]
    assert 429 in spread  # 10 addresses × 5 guesses: the account-wide limit answers
