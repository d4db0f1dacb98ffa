"""Redis ► Socket.IO: one subscriber per process, bursts coalesced, one batch per room per tick.

A screen joins the room of the panel it shows and gets a snapshot of that panel at once (also
after every reconnect), then only deltas: at most one `obs` batch every `flush_ms`, holding the
newest revision of each series and period that changed.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import request
from flask_socketio import ConnectionRefusedError, SocketIO, join_room, leave_room

from wall.access import Guard, Principal
from wall.broadcast import broadcast
from wall.observation import period_rank, series_key, stored_dict
from wall.store import Store

__all__ = ["Relay", "SocketGate", "Subscription"]

REVALIDATE_S = 3.0
PROBE_S = 2.0  # how often the relay checks that Redis still answers
JOIN_S = 10.0  # a socket that has not joined a panel by then is closed (it holds a thread)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Subscription:
    """What a panel shows: indicators whose latest values it needs, series with history."""

    indicators: frozenset[str]
    history: tuple[tuple[str, str, tuple[tuple[str, str], ...], int], ...] = field(default=())


class SocketGate(Protocol):
    """Who may open a socket, join a panel's room, and keep the connection (see wall.auth)."""

    def connect(self) -> Principal | None:
        """Return the caller of the current handshake, or None to refuse it."""

    def may_join(self, p: Principal, panel: str, screen: str | None) -> bool:
        """Whether `p` may receive `panel` (as screen `screen`, if given)."""

    def still_valid(self, p: Principal) -> bool:
        """Whether `p`'s credential still stands."""


def _room(panel: str, clearance: str) -> str:
    return f"panel:{panel}|{clearance}"


def _rank(o: dict[str, Any]) -> tuple[float, int]:
    return (period_rank(o["period"]), int(o.get("revision", 0)))


def _summary(xs: list[float]) -> dict[str, float]:
    """p50 / p99 / max of durations in seconds, as milliseconds ({} for none)."""
    if not xs:
        return {}
    xs = sorted(xs)
    return {"p50": round(xs[len(xs) // 2] * 1000, 1),
            "p99": round(xs[min(len(xs) - 1, int(0.99 * len(xs)))] * 1000, 1),
            "max": round(xs[-1] * 1000, 1)}


class Relay:
    """Forward stored observations to the screens that show them."""

    def __init__(self, store: Store, socketio: SocketIO,
                 subscriptions: Callable[[], Mapping[str, Subscription]], guard: Guard,
                 flush_ms: int = 50) -> None:
        self.store = store
        self.guard = guard
        self.socketio = socketio
        self.subscriptions = subscriptions
        self.flush_s = flush_ms / 1000
        self._pending: dict[str, dict[str, Any]] = {}
        self._first: float | None = None  # when the oldest pending value arrived
        self._taken = 0
        self._timings: deque[tuple[float, float, float]] = deque(maxlen=8192)  # at, held, send
        self._rate = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.redis_up = False
        self.sent_batches = 0
        self.delivered = {"direct": 0, "queued": 0}  # batches into sockets, by which path
        self._rooms: dict[str, tuple[str, str]] = {}  # sid -> (panel, clearance)
        self._principals: dict[str, Principal] = {}
        self._recheck = threading.Event()
        self._room_lock = threading.Lock()
        self.gate: SocketGate | None = None
        self.join_s = JOIN_S
        self._opened: dict[str, float] = {}  # engine.io sid -> when first seen unjoined

    # -- socket handlers --------------------------------------------------------------------
    def register(self, gate: SocketGate) -> None:
        """Attach the socket handlers; `gate` decides who connects and what they may join."""
        self.gate = gate

        @self.socketio.on("connect")
        def _connect(auth: Any = None) -> None:
            p = gate.connect()
            if p is None:
                raise ConnectionRefusedError("unauthorized")
            self._principals[request.sid] = p  # type: ignore[attr-defined]

        @self.socketio.on("join")
        def _join(data: Any) -> dict[str, Any]:
            sid = request.sid  # type: ignore[attr-defined]
            p = self._principals.get(sid)
            panel = data.get("panel") if isinstance(data, dict) else None
            screen = data.get("screen") if isinstance(data, dict) else None
            screen = screen if isinstance(screen, str) and screen else None
            subs = self.subscriptions()
            if p is None:
                return {"ok": False, "error": "unauthorized"}
            if panel not in subs:
                return {"ok": False, "error": f"unknown panel {panel!r}"}
            if not gate.may_join(p, panel, screen):
                return {"ok": False, "error": "not permitted"}
            with self._room_lock:
                old = self._rooms.get(sid)
                if old:
                    leave_room(_room(*old))
                join_room(_room(panel, p.clearance))
                self._rooms[sid] = (panel, p.clearance)
            if screen:
                join_room(f"screen:{screen}")
                if p.kind == "screen":  # only the kiosk itself says it is connected
                    self.store.screen_seen(screen)
            return {"ok": True, "snapshot": self.snapshot(subs[panel], p.clearance)}

        @self.socketio.on("disconnect")
        def _disconnect(*_: Any) -> None:
            self._rooms.pop(request.sid, None)  # type: ignore[attr-defined]
            self._principals.pop(request.sid, None)  # type: ignore[attr-defined]

    def snapshot(self, sub: Subscription, clearance: str) -> dict[str, Any]:
        """Return the latest values and short histories a panel needs that `clearance` may see."""
        shown = [i for i in sorted(sub.indicators) if self.guard.permits(clearance, i)]
        latest = [stored_dict(v) for v in self.store.latest_raw(shown)]
        history = [h for h in sub.history if self.guard.permits(clearance, h[0])]
        limit = max((n for *_, n in history), default=0)
        keys = [(i, a, dict(d) or None) for i, a, d, _ in history]
        hist = self.store.series_raw(keys, limit) if keys else {}
        wanted = {series_key(i, a, dict(d)): n for i, a, d, n in history}
        alerts = [a for a in self.store.alerts()
                  if not a.get("indicator") or self.guard.permits(clearance, a["indicator"])]
        return {"latest": latest,
                "history": {k: [stored_dict(v) for v in vals[-wanted[k]:]]
                            for k, vals in hist.items()},
                "alerts": alerts, "server_time": time.time()}

    # -- pump -------------------------------------------------------------------------------
    def _listen(self) -> None:
        backoff = 0.5
        pubsub: Any = None
        while not self._stop.is_set():
            try:
                pubsub = self.store.pubsub()
                if not self.redis_up:
                    self.redis_up = True
                    self._resync()
                backoff = 0.5
                probed = time.monotonic()
                while not self._stop.is_set():
                    if time.monotonic() - probed >= PROBE_S:  # a hung Redis sends nothing either
                        self.store.ping()
                        probed = time.monotonic()
                    msg = pubsub.get_message(timeout=1.0)
                    if not msg or msg.get("type") != "message":
                        continue
                    if msg["channel"] in (self.store.screens_channel,
                                          self.store.screens_channel.encode()):
                        self._command(msg["data"])
                    elif msg["channel"] in (self.store.alerts_channel,
                                            self.store.alerts_channel.encode()):
                        self._alert(msg["data"])
                    else:
                        self._take(msg["data"])
            except Exception as exc:  # Redis down or restarted: retry, screens keep last values
                if pubsub is not None:
                    try:
                        pubsub.close()  # a new subscription, not a leaked connection per fault
                    except Exception:  # noqa: S110 - closing a broken connection may fail too
                        pass
                    pubsub = None
                if self.redis_up:
                    log.warning("relay lost Redis: %s", exc)
                    self.socketio.emit("store_down", {})  # and they say no data can arrive
                self.redis_up = False
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def _command(self, data: bytes | str) -> None:
        """Forward a console command to the screens it names, at once (no coalescing)."""
        try:
            command = json.loads(data)
        except ValueError:
            return
        if command.get("action") == "revoked":  # a screen token was revoked: check at once
            self._recheck.set()
            return
        if command.get("action") == "retracted":  # a value was taken out: fresh snapshots
            subs = self.subscriptions()
            for panel, clearance in set(self._rooms.values()):
                sub = subs.get(panel)
                if sub and command.get("indicator") in sub.indicators:
                    self.socketio.emit("screen", {"action": "reload"}, to=_room(panel, clearance))
            return
        for screen in command.get("screens", []):
            self.socketio.emit("screen", command, to=f"screen:{screen}")

    def _alert(self, data: bytes | str) -> None:
        """Send an alert change at once to every room whose clearance may see it."""
        try:
            alert = json.loads(data)
        except ValueError:
            return
        indicator = alert.get("indicator")
        for panel, clearance in set(self._rooms.values()):
            if not indicator or self.guard.permits(clearance, indicator):
                self.socketio.emit("alert", alert, to=_room(panel, clearance))

    def _take(self, data: bytes | str) -> None:
        try:
            batch = json.loads(data)
        except ValueError:
            log.warning("relay: undecodable event dropped from channel (store writes JSON)")
            return
        with self._lock:
            if self._first is None:
                self._first = time.monotonic()
            self._taken += len(batch)
            for o in batch:  # revisions of one period coalesce; distinct periods all go out
                key = series_key(o["indicator"], o["area"], o.get("dims")) + "@" + o["period"]
                cur = self._pending.get(key)
                if cur is None or _rank(o) >= _rank(cur):
                    self._pending[key] = o

    def _interval(self, took: int, elapsed: float, sending: float = 0.0) -> float:
        """The next flush delay: `flush_s`, doubled while more than 300 obs/s arrive or while
        writing the last flush into every socket took more than a quarter of `flush_s`.

        Under a burst every batch touches every tile anyway; sending them half as often halves
        the screens' repaint work, which is what bounds the tail on a busy wall. A server with
        hundreds of screens sends half as many messages even at a slow rate: with 500 sockets
        at 100 obs/s, 20 batches a second to each kept two cores full (`opswall bench fanout`).
        """
        rate = took / elapsed if elapsed > 0 else 0.0
        self._rate = 0.7 * self._rate + 0.3 * rate
        busy = self._rate > 300 or sending > self.flush_s / 4
        return self.flush_s * 2 if busy else self.flush_s

    def _flush(self) -> None:
        wait, sending = self.flush_s, 0.0
        last = time.monotonic()  # batches are taken every `wait`, however long sending took
        while not self._stop.wait(max(0.0, last + wait - time.monotonic())):
            with self._lock:
                pending, self._pending = self._pending, {}
                took, self._taken = self._taken, 0
                first, self._first = self._first, None
            now = time.monotonic()
            wait = self._interval(took, now - last, sending)
            last, sending = now, 0.0
            if not pending:
                continue
            subs = self.subscriptions()
            for panel, clearance in set(list(self._rooms.values())):
                sub = subs.get(panel)
                batch = [o for o in pending.values() if sub and o["indicator"] in sub.indicators
                         and self.guard.permits(clearance, o["indicator"])]
                if batch:  # one frame, written into each screen's socket by this thread
                    direct, queued = broadcast(self.socketio.server, "obs", batch,
                                               _room(panel, clearance))
                    self.sent_batches += 1
                    self.delivered["direct"] += direct
                    self.delivered["queued"] += queued
            sending = time.monotonic() - now
            self._timings.append((now, now - (first or now), sending))

    def timing(self, seconds: float = 60.0) -> dict[str, Any]:
        """Over the flushes that sent in the last `seconds`: how long the oldest value waited
        for its flush (`held_ms`) and how long writing into every socket took (`sending_ms`)."""
        since = time.monotonic() - seconds
        rows = [(h, s) for at, h, s in list(self._timings) if at >= since]
        return {"seconds": seconds, "flushes": len(rows),
                "held_ms": _summary([h for h, _ in rows]),
                "sending_ms": _summary([s for _, s in rows])}

    def _resync(self) -> None:
        """After (re)connecting to Redis, tell screens to ask for a fresh snapshot."""
        self.socketio.emit("resync", {})

    def revalidate(self) -> int:
        """Disconnect every socket whose credential no longer stands; return how many."""
        dropped = 0
        verdicts: dict[Principal, bool] = {}  # sockets of one login are asked about once
        for sid, p in list(self._principals.items()):
            try:
                if p not in verdicts:
                    verdicts[p] = self.gate is not None and self.gate.still_valid(p)
                valid = verdicts[p]
            except Exception:  # Redis down: keep screens as they are until it answers again
                continue
            if not valid:
                self.socketio.emit("revoked", {"kind": p.kind}, to=sid)
                self.socketio.server.disconnect(sid, namespace="/")
                self._principals.pop(sid, None)
                self._rooms.pop(sid, None)
                dropped += 1
            elif p.kind == "screen" and self.gate is not None:
                with self._room_lock:  # switched away by the console: the old panel stops too
                    room = self._rooms.get(sid)
                    if room and not self.gate.may_join(p, room[0], p.screen):
                        self.socketio.server.leave_room(sid, _room(*room), namespace="/")
                        del self._rooms[sid]
        return dropped

    def close_unjoined(self, now: float | None = None) -> int:
        """Close every connection that has not joined a panel within `join_s`; return how many.

        Handshakes that never finish, and sockets that connect but never join, would otherwise
        each hold a server thread for as long as they answer pings.
        """
        now = time.monotonic() if now is None else now
        server = self.socketio.server
        if server is None:
            return 0
        joined = set()
        for sid in list(self._rooms):
            eio_sid = server.manager.eio_sid_from_sid(sid, "/")
            if eio_sid:
                joined.add(eio_sid)
        open_now = set(server.eio.sockets)
        closed = 0
        for eio_sid in open_now:
            if eio_sid in joined:
                self._opened.pop(eio_sid, None)
            elif now - self._opened.setdefault(eio_sid, now) >= self.join_s:
                server.eio.disconnect(eio_sid)
                self._opened.pop(eio_sid, None)
                closed += 1
        for gone in set(self._opened) - open_now:
            del self._opened[gone]
        return closed

    def _watch(self) -> None:
        while not self._stop.is_set():
            self._recheck.wait(min(REVALIDATE_S, self.join_s / 2))
            self._recheck.clear()
            if self._stop.is_set():
                return
            try:
                self.revalidate()
                self.close_unjoined()
            except Exception:  # never let the watch end: it is what keeps the doors bounded
                log.exception("relay: socket watch failed; retrying")

    def start(self) -> None:
        """Start the subscriber, flusher and credential-watch threads."""
        for target, name in ((self._listen, "relay-listen"), (self._flush, "relay-flush"),
                             (self._watch, "relay-auth")):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        """Stop the relay threads."""
        self._stop.set()
        self._recheck.set()
        for t in self._threads:
            t.join(timeout=3)
