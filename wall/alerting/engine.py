"""The alert engine: a worker on the events channel (what every ingest path publishes), never in
a Dash callback. For each stored observation it runs the rules and opens, keeps or clears one
alert per rule and series. Rules today: `anomaly`, on for every indicator (wall.alerting.anomaly),
and `source_down` from the feeds' health.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from wall.alerting.anomaly import judge
from wall.analysis.periods import freq_of
from wall.background import Background
from wall.config import AlertsConfig, Catalogue, ThresholdRule, parse_duration
from wall.observation import period_rank, series_key
from wall.report_status import clock, replay_month
from wall.store import Store

__all__ = ["AlertEngine"]

log = logging.getLogger(__name__)
HISTORY = 36
SEASON = {"M": 12, "Q": 4}
CLOCK_S = 5.0
SOURCE_DOWN_FAILURES = 3
SOURCE_CHECK_S = 5.0
SKIP_UNITS = ("flag", "status")


class AlertEngine(Background):
    """Evaluate the alert rules on every observation published on the events channel."""

    thread_name = "alert-engine"

    def __init__(self, store: Store, catalogue: Catalogue,
                 config: AlertsConfig | None = None) -> None:
        super().__init__()
        self.store = store
        self.catalogue = catalogue
        self.config = config or AlertsConfig(apiVersion=1)
        self.evaluated = 0
        self._clock_at, self._clock = -CLOCK_S, ""

    def _skipped(self, indicator: str) -> bool:
        ind = self.catalogue.get(indicator)
        return ind is None or any(u in ind.unit.lower() for u in SKIP_UNITS) or \
            indicator.endswith("_STATUS") or indicator == "REPLAY_ASOF"

    def _now(self) -> datetime:
        """The wall's clock (a replay's month while it replays), looked up every few seconds."""
        if time.monotonic() - self._clock_at > CLOCK_S:
            self._clock_at, self._clock = time.monotonic(), replay_month(self.store)
        return clock(self._clock)

    def _news(self, o: dict[str, Any], indicator: str) -> bool:
        """Whether a value is current: published within its indicator's `stale_after` of the
        wall's clock. A history loaded at once (an import of past years) raises nothing."""
        ind = self.catalogue.get(indicator)
        try:
            published = datetime.fromisoformat(str(o.get("observed_at")).replace("Z", "+00:00"))
        except ValueError:
            return False
        if ind is None or published.tzinfo is None:
            return False
        return self._now() - published <= parse_duration(ind.stale_after)

    def _band(self, key: str, period: str) -> dict[str, float] | None:
        kept = self.store.result("forecast", key)
        if not kept or period_rank(kept["as_of"]) >= period_rank(period):
            return None
        return next((p for p in kept["points"] if p["period"] == period), None)

    def evaluate(self, o: dict[str, Any]) -> str | None:
        """Run the rules on one observation; return the id of an alert it opened, if any."""
        ind, area, dims = o.get("indicator"), o.get("area"), dict(o.get("dims") or {})
        value, period = o.get("value"), o.get("period")
        if not isinstance(ind, str) or not isinstance(area, str) or value is None or \
                not isinstance(period, str) or self._skipped(ind) or not self._news(o, ind):
            return None
        self.evaluated += 1
        key = series_key(ind, area, dims)
        for rule in self.config.rules:
            if rule.indicator == ind and rule.area in ("*", area):
                self._threshold(rule, o, key)
        if not self.config.anomaly.enabled or ind in self.config.anomaly.exclude:
            return None
        freq = freq_of(period)  # a series may hold years and quarters: compare like with like
        history = [p.value for p in self.store.series(ind, area, dims, 3 * HISTORY)
                   if p.value is not None and freq_of(p.period) == freq
                   and period_rank(p.period) < period_rank(period)]
        verdict = judge(float(value), history[-HISTORY:], self._band(key, period),
                        season=SEASON.get(freq or "", 1),
                        raise_at=self.config.anomaly.deviations,
                        clear_at=self.config.anomaly.clear_deviations)
        if verdict is None:
            return None
        dedupe = f"anomaly|{key}"
        if verdict.anomalous:
            name = self.catalogue.get(ind)
            severity = "critical" if verdict.score > (2.0 if verdict.basis == "forecast"
                                                      else 8.0) else "warning"
            alert_id, new = self.store.open_alert(dedupe, {
                "rule": "anomaly", "severity": severity, "indicator": ind, "area": area,
                "dims": dims, "source": o.get("source", ""), "period": period, "value": value,
                "score": round(verdict.score, 2), "basis": verdict.basis,
                "message_vi": f"{name.short_vi or name.name_vi if name else ind} ({area}, "
                              f"{period}): {verdict.reason_vi}",
                "acknowledged_by": None, "note": ""})
            return alert_id if new else None
        if verdict.clear:
            open_one = self.store.open_alert_for(dedupe)
            if open_one is not None:
                self.store.update_alert(open_one["id"], state="resolved", resolved_by="system",
                                        resolved_at=datetime.now(UTC).isoformat(),
                                        note=(open_one.get("note") or "")
                                        + " Tự động đóng: giá trị trở lại bình thường.")
        return None

    def _threshold(self, rule: ThresholdRule, o: dict[str, Any], key: str) -> None:
        """A static bound: open past it, clear once back inside by `clear_margin`."""
        value = float(o["value"])
        dedupe = f"threshold|{rule.id}|{key}"
        over = rule.above is not None and value > rule.above
        under = rule.below is not None and value < rule.below
        if over or under:
            bound = rule.above if over else rule.below
            self.store.open_alert(dedupe, {
                "rule": "threshold", "rule_id": rule.id, "severity": rule.severity,
                "indicator": o["indicator"], "area": o["area"], "dims": o.get("dims") or {},
                "source": o.get("source", ""), "period": o["period"], "value": value,
                "message_vi": rule.message_vi or f"{o['indicator']} ({o['area']}, "
                              f"{o['period']}): {value:g} {'vượt' if over else 'dưới'} "
                              f"ngưỡng {bound:g}", "acknowledged_by": None, "note": ""})
            return
        inside = ((rule.above is None or value <= rule.above - rule.clear_margin)
                  and (rule.below is None or value >= rule.below + rule.clear_margin))
        open_one = self.store.open_alert_for(dedupe) if inside else None
        if open_one is not None:
            self.store.update_alert(open_one["id"], state="resolved", resolved_by="system",
                                    resolved_at=datetime.now(UTC).isoformat(),
                                    note="Tự động đóng: trở lại trong ngưỡng.")

    def evaluate_all(self, batch: Iterable[dict[str, Any]]) -> None:
        """Evaluate the newest value of each series in a batch (a back-filled history is not
        news); a failing observation is logged, the others go on."""
        newest: dict[str, dict[str, Any]] = {}
        for o in batch:
            try:
                key = series_key(o["indicator"], o["area"], o.get("dims") or {})
                if key not in newest or period_rank(o["period"]) >= period_rank(
                        newest[key]["period"]):
                    newest[key] = o
            except (KeyError, TypeError, ValueError):
                continue
        for o in newest.values():
            try:
                self.evaluate(o)
            except Exception:
                log.exception("alert rules failed on %s", o)

    def check_sources(self) -> None:
        """`source_down`: a feed failing `SOURCE_DOWN_FAILURES` polls in a row (or silent for
        three cadences) raises a critical alert, cleared when it reports again."""
        for feed_id, h in self.store.feeds_health().items():
            dedupe = f"source_down|{feed_id}"
            failures = int(h.get("consecutive_failures") or 0)
            down = (h.get("state") == "down" and failures >= SOURCE_DOWN_FAILURES) or \
                h.get("state") == "stale"
            if down:
                self.store.open_alert(dedupe, {
                    "rule": "source_down", "severity": "critical", "indicator": None,
                    "area": None, "source": feed_id, "period": None, "value": None,
                    "message_vi": f"Nguồn {feed_id} mất kết nối ({failures} lần lỗi liên tiếp)"
                                  if h.get("state") == "down" else
                                  f"Nguồn {feed_id} không gửi số liệu quá 3 chu kỳ",
                    "acknowledged_by": None, "note": h.get("last_error", "")[:300]})
            elif h.get("state") == "up":
                open_one = self.store.open_alert_for(dedupe)
                if open_one is not None:
                    self.store.update_alert(open_one["id"], state="resolved",
                                            resolved_by="system",
                                            resolved_at=datetime.now(UTC).isoformat(),
                                            note="Tự động đóng: nguồn đã gửi lại số liệu.")

    def run(self) -> None:
        """Listen on the events channel until stopped; check the sources every few seconds."""
        pubsub = self.store.r.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(self.store.events_channel)
        checked = 0.0
        try:
            while not self._stop.is_set():
                if time.monotonic() - checked >= SOURCE_CHECK_S:
                    checked = time.monotonic()
                    try:
                        self.check_sources()
                    except Exception as exc:
                        log.warning("alert engine, sources: %s", exc)
                try:
                    msg = pubsub.get_message(timeout=1.0)
                except Exception as exc:  # Redis away: wait, then listen again
                    log.warning("alert engine: %s", exc)
                    self._stop.wait(2.0)
                    continue
                if msg and msg.get("type") == "message":
                    try:
                        batch = json.loads(msg["data"])
                    except (ValueError, TypeError):
                        continue
                    self.evaluate_all(batch if isinstance(batch, list) else [batch])
        finally:
            pubsub.close()

