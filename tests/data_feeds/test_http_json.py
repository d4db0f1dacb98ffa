"""HTTP JSON feed against a real loopback HTTP server: mapping, ETag, errors, runner, fuzzing."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pydantic import ValidationError

from data_feeds.base import FeedError, Rejected, feed_class
from data_feeds.http_json import RAW_LIMIT, HttpJsonFeed
from data_feeds.runner import FeedRunner
from tests.conftest import free_port
from wall.config import FeedSpec, WallSettings
from wall.observation import Observation
from wall.store import Store

Reply = tuple[int, dict[str, str], bytes]
Route = Callable[[dict[str, str]], Reply]

FIELDS = {"indicator": "code", "area": "=VN", "period": "month", "value": "stats.value",
          "unit": "stats.unit"}


class _Handler(BaseHTTPRequestHandler):
    server: FixtureServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?", 1)[0]
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.seen.append((path, headers))
        route = self.server.routes.get(path)
        status, extra, body = route(headers) if route else (404, {}, b"no such fixture")
        try:
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(0 if status == 304 else len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Keep test output quiet."""


class FixtureServer(ThreadingHTTPServer):
    """A loopback HTTP server whose paths answer with routes the tests set."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = {}
        self.seen: list[tuple[str, dict[str, str]]] = []

    def url(self, path: str) -> str:
        """Return the full URL of a path on this server."""
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def requests_to(self, path: str) -> list[dict[str, str]]:
        """Return the headers of every request this server received for a path."""
        return [h for p, h in self.seen if p == path]


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    """A real HTTP server on a free loopback port, for the whole module."""
    srv = FixtureServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def path() -> str:
    """A fresh path, so tests sharing the server never see each other's requests."""
    return f"/{uuid.uuid4().hex[:10]}"


# -- routes ---------------------------------------------------------------------------------
def json_body(payload: Any, *, etag: str = "", last_modified: str = "") -> Route:
    """Serve JSON; honour If-None-Match / If-Modified-Since with 304 when validators are set."""

    def route(headers: dict[str, str]) -> Reply:
        extra = {"Content-Type": "application/json"}
        if etag:
            extra["ETag"] = etag
        if last_modified:
            extra["Last-Modified"] = last_modified
        if (etag and headers.get("if-none-match") == etag) or (
                last_modified and headers.get("if-modified-since") == last_modified):
            return 304, extra, b""
        return 200, extra, json.dumps(payload).encode()

    return route


def raw_body(body: bytes, status: int = 200, content_type: str = "text/html") -> Route:
    """Serve bytes as they are."""
    return lambda headers: (status, {"Content-Type": content_type}, body)


def slow(seconds: float) -> Route:
    """Answer only after `seconds`."""

    def route(headers: dict[str, str]) -> Reply:
        time.sleep(seconds)
        return 200, {}, b"[]"

    return route


def bearer(token: str, payload: Any) -> Route:
    """Serve JSON only to `Authorization: Bearer <token>`, 401 otherwise."""

    def route(headers: dict[str, str]) -> Reply:
        if headers.get("authorization") != f"Bearer {token}":
            return 401, {}, b"unauthorised"
        return 200, {}, json.dumps(payload).encode()

    return route


# -- helpers --------------------------------------------------------------------------------
def rec(code: str = "EXPORTS_M", month: str = "2025-09", value: Any = 41234.5,
        unit: str = "million USD", **extra: Any) -> dict[str, Any]:
    """Return one source record in the fixture system's shape."""
    return {"code": code, "month": month, "stats": {"value": value, "unit": unit}, **extra}


def make_feed(settings: WallSettings, url: str, feed_id: str = "customs-test",
              **overrides: Any) -> HttpJsonFeed:
    """Build an http_json feed the way the runner does (through `feed_class`)."""
    spec_settings = {"url": url, "records": "data.items", "fields": FIELDS, **overrides}
    spec = FeedSpec(id=feed_id, kind="http_json", settings=spec_settings)
    feed = feed_class("http_json")(spec, settings.catalogue)
    assert isinstance(feed, HttpJsonFeed)
    return feed


@pytest.fixture
def feeds() -> Iterator[list[HttpJsonFeed]]:
    """Feeds a test builds, closed at teardown."""
    made: list[HttpJsonFeed] = []
    yield made
    for feed in made:
        feed.close()


def observations(items: list[Observation | Rejected]) -> list[Observation]:
    """Return the Observations of a poll."""
    return [i for i in items if isinstance(i, Observation)]


def rejected(items: list[Observation | Rejected]) -> list[Rejected]:
    """Return the Rejected of a poll."""
    return [i for i in items if isinstance(i, Rejected)]


# -- mapping --------------------------------------------------------------------------------
def test_nested_paths_and_constants_map_onto_observations(
        settings: WallSettings, server: FixtureServer, path: str,
        feeds: list[HttpJsonFeed]) -> None:
    payload = {"meta": {"n": 2}, "result": {"rows": [
        {"kind": "EXPORTS_M", "period": {"month": "2025-09"}, "gate": {"name": "Mong Cai"},
         "series": [{"v": 41_234_500.0}], "rev": 1, "state": "revised"},
        {"kind": "IMPORTS_M", "period": {"month": "2025-09"}, "gate": {"name": 7},
         "series": [{"v": "39000000"}]},
    ]}}
    server.routes[path] = json_body(payload)
    fields = {"indicator": "kind", "area": "=VN", "period": "period.month",
              "value": "series.0.v", "dims.gate": "gate.name", "dims.system": "=customs",
              "revision": "rev", "status": "state"}
    feed = make_feed(settings, server.url(path), records="result.rows", fields=fields,
                     value_scale=0.001)
    feeds.append(feed)
    before = datetime.now(UTC)
    items = feed.poll()
    assert rejected(items) == [Rejected("revision: path 'rev' not in record (no 'rev')",
                                        payload["result"]["rows"][1])]
    (exports,) = observations(items)
    assert (exports.indicator, exports.area, exports.period) == ("EXPORTS_M", "VN", "2025-09")
    assert exports.value == 41_234.5
    assert exports.unit == "million USD"  # unmapped: the catalogue's unit
    assert exports.dims == {"gate": "Mong Cai", "system": "customs"}
    assert (exports.status, exports.revision, exports.source) == ("revised", 1, "customs-test")
    assert before <= datetime.fromisoformat(exports.observed_at) <= datetime.now(UTC)

    fields = {k: v for k, v in fields.items() if k not in ("revision", "status")}
    feed = make_feed(settings, server.url(path), records="result.rows", fields=fields,
                     value_scale=0.001)
    feeds.append(feed)
    imports = {o.indicator: o for o in observations(feed.poll())}["IMPORTS_M"]
    assert (imports.value, imports.dims["gate"], imports.status) == (39_000.0, "7", "ok")


def test_payload_that_is_the_list_and_constant_value_and_mapped_observed_at(
        settings: WallSettings, server: FixtureServer, path: str,
        feeds: list[HttpJsonFeed]) -> None:
    server.routes[path] = json_body([{"at": "2025-10-01T08:00:00+07:00", "m": "2025-09"}])
    fields = {"indicator": "=IMPORTS_M", "area": "=VN", "period": "m", "value": "=12.5",
              "observed_at": "at", "revision": "=2"}
    feed = make_feed(settings, server.url(path), records="", fields=fields)
    feeds.append(feed)
    (o,) = feed.poll()
    assert isinstance(o, Observation)
    assert (o.value, o.revision, o.observed_at) == (12.5, 2, "2025-10-01T08:00:00+07:00")


def test_each_bad_record_is_rejected_naming_its_field(
        settings: WallSettings, server: FixtureServer, path: str,
        feeds: list[HttpJsonFeed]) -> None:
    bad = {
        "value: path 'stats.value' not in record": {"code": "EXPORTS_M", "month": "2025-09",
                                                    "stats": {"unit": "million USD"}},
        "period: 'September 2025' is not": rec(month="September 2025"),
        "indicator: 'NOPE_X' is not in the catalogue": rec(code="NOPE_X"),
        "unit: wrong unit 'billion USD' for EXPORTS_M": rec(unit="billion USD"),
        "value: must be a number, got 'n/a'": rec(value="n/a"),
        "value: is null but status is not 'error'": rec(value=None),
        "value: number too large to be a float": rec(value=10**400),
        "indicator: path 'code' not in record": "a string",
    }
    good = [rec(), rec(code="IMPORTS_M", value="38000.25")]
    server.routes[path] = json_body({"data": {"items": [*bad.values(), *good]}})
    feed = make_feed(settings, server.url(path))
    feeds.append(feed)
    items = feed.poll()
    assert [(r.reason[:len(needle)], r.raw) for r, needle in zip(rejected(items), bad,
                                                                  strict=True)] == [
        (needle, record) for needle, record in bad.items()]
    assert {(o.indicator, o.value) for o in observations(items)} == {
        ("EXPORTS_M", 41234.5), ("IMPORTS_M", 38000.25)}


def test_settings_are_checked_when_the_feed_is_built(settings: WallSettings) -> None:
    with pytest.raises(ValidationError, match="not an Observation field"):
        make_feed(settings, "http://127.0.0.1:9/x", fields={**FIELDS, "valeu": "x"})
    with pytest.raises(ValidationError, match="fields must map value"):
        make_feed(settings, "http://127.0.0.1:9/x",
                  fields={k: v for k, v in FIELDS.items() if k != "value"})
    with pytest.raises(ValidationError, match="http:// or https://"):
        make_feed(settings, "ftp://example.org/x")
    with pytest.raises(ValidationError, match="empty segment"):
        make_feed(settings, "http://127.0.0.1:9/x", records="data..items")


# -- conditional requests -------------------------------------------------------------------
def test_etag_is_sent_back_and_304_returns_nothing(
        settings: WallSettings, server: FixtureServer, path: str,
        feeds: list[HttpJsonFeed]) -> None:
    server.routes[path] = json_body({"data": {"items": [rec()]}}, etag='"v1"')
    feed = make_feed(settings, server.url(path))
    feeds.append(feed)
    assert len(observations(feed.poll())) == 1
    # not yet stored (no `committed`): the next poll must fetch the records again
    assert len(observations(feed.poll())) == 1
    assert "if-none-match" not in server.requests_to(path)[1]
    feed.committed()
    assert feed.poll() == []
    assert server.requests_to(path)[2]["if-none-match"] == '"v1"'
    # the source changes: a new body and ETag come back, then 304 again
    server.routes[path] = json_body({"data": {"items": [rec(month="2025-10")]}}, etag='"v2"')
    assert [o.period for o in observations(feed.poll())] == ["2025-10"]
    feed.committed()
    assert feed.poll() == []
    assert server.requests_to(path)[-1]["if-none-match"] == '"v2"'


def test_last_modified_is_sent_back_through_the_runner(
        settings: WallSettings, server: FixtureServer, path: str, store: Store,
        feeds: list[HttpJsonFeed]) -> None:
    stamp = "Wed, 01 Oct 2025 01:00:00 GMT"
    server.routes[path] = json_body({"data": {"items": [rec()]}}, last_modified=stamp)
    feed = make_feed(settings, server.url(path))
    feeds.append(feed)
    runner = FeedRunner(store, [feed])
    assert runner.run_once(feed) == 1
    assert runner.run_once(feed) == 0
    assert server.requests_to(path)[-1]["if-modified-since"] == stamp
    assert store.feeds_health()["customs-test"]["state"] == "up"


# -- failures -------------------------------------------------------------------------------
def test_server_error_raises_feed_error_with_status_and_url(
        settings: WallSettings, server: FixtureServer, path: str,
        feeds: list[HttpJsonFeed]) -> None:
    server.routes[path] = raw_body(b"database unavailable", status=500)
    feed = make_feed(settings, server.url(path))
    feeds.append(feed)
    with pytest.raises(FeedError, match=r"HTTP 500") as err:
        feed.poll()
    assert server.url(path) in str(err.value) and "database unavailable" in str(err.value)

    server.routes[path] = raw_body(b"", status=404)
    with pytest.raises(FeedError, match=r"HTTP 404 Not Found from http://127\.0\.0\.1"):
        feed.poll()


def test_timeout_raises_feed_error(settings: WallSettings, server: FixtureServer, path: str,
                                   feeds: list[HttpJsonFeed]) -> None:
    server.routes[path] = slow(1.5)
    feed = make_feed(settings, server.url(path), timeout_s=0.2)
    feeds.append(feed)
    with pytest.raises(FeedError, match=r"no answer from .* within 0\.2 s"):  # not the answer
        feed.poll()


def test_connection_refused_raises_feed_error(settings: WallSettings,
                                              feeds: list[HttpJsonFeed]) -> None:
    url = f"http://127.0.0.1:{free_port()}/api"
    feed = make_feed(settings, url)
    feeds.append(feed)
    with pytest.raises(FeedError, match="cannot connect to") as err:
        feed.poll()
    assert url in str(err.value)


def test_a_body_that_is_not_json_or_has_no_list_is_one_rejected(
        settings: WallSettings, server: FixtureServer, path: str,
        feeds: list[HttpJsonFeed]) -> None:
    page = b"<html>" + b"maintenance " * 20_000 + b"</html>"
    server.routes[path] = raw_body(page)
    feed = make_feed(settings, server.url(path))
    feeds.append(feed)
    (only,) = feed.poll()
    assert isinstance(only, Rejected) and "body is not JSON" in only.reason
    assert only.raw == page[:RAW_LIMIT].decode() and "bytes kept" in only.reason

    server.routes[path] = json_body({"data": {"items": {"not": "a list"}}})
    (only,) = feed.poll()
    assert isinstance(only, Rejected)
    assert "no list of records at 'data.items'" in only.reason
    assert json.loads(only.raw) == {"data": {"items": {"not": "a list"}}}


# -- secrets --------------------------------------------------------------------------------
def test_authorization_header_comes_from_the_environment_and_is_never_shown(
        settings: WallSettings, server: FixtureServer, path: str, store: Store,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        feeds: list[HttpJsonFeed]) -> None:
    secret = "s3cret-" + uuid.uuid4().hex
    server.routes[path] = bearer(secret, {"data": {"items": [rec()]}})
    feed = make_feed(settings, server.url(path),
                     headers={"Authorization": "Bearer ${OPSWALL_TEST_TOKEN}"})
    feeds.append(feed)
    monkeypatch.delenv("OPSWALL_TEST_TOKEN", raising=False)
    with pytest.raises(FeedError, match="environment variable OPSWALL_TEST_TOKEN is not set"):
        feed.poll()
    assert server.requests_to(path) == []  # nothing sent without the credential

    monkeypatch.setenv("OPSWALL_TEST_TOKEN", secret)
    assert len(observations(feed.poll())) == 1
    assert server.requests_to(path)[-1]["authorization"] == f"Bearer {secret}"

    monkeypatch.setenv("OPSWALL_TEST_TOKEN", "expired")
    runner = FeedRunner(store, [feed])
    with caplog.at_level(logging.DEBUG):
        assert runner.run_once(feed) == 0
    health = store.feeds_health()["customs-test"]
    assert "HTTP 401" in health["last_error"]
    shown = caplog.text + json.dumps(health) + repr(feed.settings)
    assert "expired" not in shown and secret not in shown


# -- with the runner and the store ----------------------------------------------------------
def test_runner_records_a_failing_source_down_then_stores_and_quarantines(
        settings: WallSettings, server: FixtureServer, path: str, store: Store,
        feeds: list[HttpJsonFeed]) -> None:
    server.routes[path] = raw_body(b"oops", status=503)
    feed = make_feed(settings, server.url(path), feed_id="gates-test")
    feeds.append(feed)
    runner = FeedRunner(store, [feed])
    assert runner.run_once(feed) == 0
    assert runner.run_once(feed) == 0
    health = store.feeds_health()["gates-test"]
    assert health["state"] == "down" and health["consecutive_failures"] == "2"
    assert "FeedError: HTTP 503" in health["last_error"] and path in health["last_error"]
    assert runner.delay(feed) > 0

    good = [rec(value=41000.0), rec(code="IMPORTS_M", value=39000.0)]
    bad = rec(code="EXPORTS_M", month="2025-13")
    server.routes[path] = json_body({"data": {"items": [*good, bad]}})
    assert runner.run_once(feed) == 2
    health = store.feeds_health()["gates-test"]
    assert health["state"] == "up" and health["consecutive_failures"] == "0"
    assert [o.value for o in store.latest("EXPORTS_M", "VN")] == [41000.0]
    assert [o.value for o in store.latest("IMPORTS_M", "VN")] == [39000.0]
    (held,) = store.quarantined()
    assert held["source"] == "gates-test" and held["reason"].startswith("period:")
    assert json.loads(held["raw"]) == bad


# -- fuzzing --------------------------------------------------------------------------------
KEYS = st.sampled_from(["code", "month", "stats", "value", "unit", "data", "items"]) | st.text(
    max_size=6)
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
           | st.sampled_from([10**400, -(10**309), "1e999", "NaN", "2025-09"]))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(KEYS, inner, max_size=4), max_leaves=16)
PLAUSIBLE = st.builds(
    rec,
    code=st.sampled_from(["EXPORTS_M", "IMPORTS_M", "NOPE_X", ""]),
    month=st.sampled_from(["2025-01", "2025-02", "2025-Q1", "2025-13", "soon"]),
    value=st.integers(-10**6, 10**6) | st.floats() | st.none() | st.text(max_size=4),
    unit=st.sampled_from(["million USD", "million USD", "billion USD"]),
)


@st.composite
def payloads(draw: st.DrawFn) -> bytes:
    """Bytes a source might answer with: any JSON, records with duplicates, or not JSON."""
    records = draw(st.lists(PLAUSIBLE | JSON, max_size=8))
    if records:
        records += draw(st.lists(st.sampled_from(records), max_size=4))  # duplicates
        records = draw(st.permutations(records))
    shape = draw(st.sampled_from(["records", "records", "any", "bytes", "flat"]))
    if shape == "bytes":
        return draw(st.binary(max_size=40))
    payload = {"records": {"data": {"items": records}}, "flat": {"data": records},
               "any": draw(JSON)}[shape]
    return json.dumps(payload).encode()


@hypothesis_settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])
@given(body=payloads())
def test_random_payloads_never_break_the_feed(settings: WallSettings, server: FixtureServer,
                                              redis_url: str, body: bytes) -> None:
    path = f"/fuzz-{uuid.uuid4().hex[:8]}"
    server.routes[path] = raw_body(body, content_type="application/json")
    feed = make_feed(settings, server.url(path), feed_id="fuzz")
    try:
        try:
            items = feed.poll()
        except FeedError:
            event("FeedError")
            return
        assert all(isinstance(i, Observation | Rejected) for i in items)
        good = observations(items)
        event("observations" if good else "rejects only" if items else "nothing")
        assert len(good) == len({(o.key, o.period, o.revision) for o in good})
        store = Store(redis.Redis.from_url(redis_url), prefix=f"f{uuid.uuid4().hex[:8]}:")
        FeedRunner(store, [feed]).run_once(feed)
        assert store.feeds_health()["fuzz"]["state"] == "up"
        assert store.quarantine_count() == len(items) - len(good)
        for o in good:
            assert len(store.latest(o.indicator, o.area, o.dims)) == 1
            periods = {g.period for g in good if g.key == o.key}
            assert len(store.series(o.indicator, o.area, o.dims)) == len(periods)
    finally:
        feed.close()
        del server.routes[path]
