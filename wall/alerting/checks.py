"""Rules the alert engine checks on a clock rather than per observation.

Each check reads the store and returns a Verdict: the alerts that should be open now (by their
de-duplication key, with their fields) and the ones merely held (inside their hysteresis band).
The engine opens what is new and resolves, by itself, every open alert of the rule that is
neither raised nor held any more. A new kind is one function here and one entry in CHECKS.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from wall.compliance import compliance, due_date
from wall.config import (
    CheckSettings,
    QuarantineSurgeSettings,
    SourceDownSettings,
    StaleSettings,
    WallSettings,
    parse_duration,
)
from wall.locale import TZ, format_number
from wall.observation import period_rank
from wall.report_status import due_period
from wall.store import Store
from wall.tasks import INDICATOR as TASK_INDICATOR
from wall.tasks import ISSUERS, kept, state

__all__ = ["CHECKS", "Context", "Verdict", "interval_s"]

DEVICE_STATUS = ("CAMERA_STATUS", "BRIDGE_STATUS")
DEVICE_VI = {"CAMERA_STATUS": "Camera", "BRIDGE_STATUS": "Điểm cầu truyền hình"}
CHECKED_FREQUENCIES = ("M", "Q", "S", "A")
SLIP_VI = {"at_risk": "có rủi ro không đạt", "off_track": "chệch hướng, khó đạt"}


@dataclass
class Verdict:
    """Alerts that should be open (dedupe → fields) and those held open by hysteresis."""

    raised: dict[str, dict[str, Any]] = field(default_factory=dict)
    held: set[str] = field(default_factory=set)


@dataclass
class Context:
    """What a check reads: the store, the settings, the wall's clock and its own memory."""

    store: Store
    settings: WallSettings
    now: datetime  # the wall's clock: a replay's month end while it replays
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def today(self) -> date:
        """The real date in Vietnam (tasks run on the calendar, not on a replay's clock)."""
        return datetime.now(TZ).date()


def source_down(ctx: Context, cfg: SourceDownSettings) -> Verdict:
    """A feed down for `failures` polls or silent three cadences; cameras or bridge points
    reporting offline for at least `device_minutes` (one alert per feed)."""
    out = Verdict()
    since: dict[str, float] = ctx.memo.setdefault("since", {})
    now = time.monotonic()
    down: dict[str, dict[str, Any]] = {}
    for feed_id, h in ctx.store.feeds_health().items():
        failures = int(h.get("consecutive_failures") or 0)
        if (h.get("state") == "down" and failures >= cfg.failures) or h.get("state") == "stale":
            name = h.get("name_vi") or feed_id
            down[f"source_down|{feed_id}"] = {
                "source": feed_id, "note": h.get("last_error", "")[:300],
                "message_vi": f"Nguồn {name} mất kết nối ({failures} lần lỗi liên tiếp)"
                if h.get("state") == "down" else f"Nguồn {name} không gửi số liệu quá 3 chu kỳ"}
    offline: dict[tuple[str, str], list[str]] = {}
    total: dict[tuple[str, str], int] = {}
    for o in ctx.store.latest_many(DEVICE_STATUS):
        group = (o.indicator, o.source)
        total[group] = total.get(group, 0) + 1
        if o.value == 0:
            offline.setdefault(group, []).append(next(iter(o.dims.values()), o.area))
    for (indicator, feed_id), devices in offline.items():  # one alert per feed, not per device
        n, of = len(devices), total[(indicator, feed_id)]
        shown = ", ".join(sorted(devices)[:5]) + (" …" if n > 5 else "")
        down[f"source_down|{feed_id}|{indicator}"] = {
            "source": feed_id, "value": n, "devices": sorted(devices),
            "severity": cfg.severity if 2 * n >= of else "warning",
            "message_vi": f"{DEVICE_VI[indicator]}: {n}/{of} ngoại tuyến — {shown}"}
    for dedupe in list(since):
        if dedupe not in down:
            del since[dedupe]
    for dedupe, body in down.items():
        waited = now - since.setdefault(dedupe, now)
        if "devices" not in body or waited >= cfg.device_minutes * 60:
            out.raised[dedupe] = body
        else:
            out.held.add(dedupe)  # offline, but not for long enough yet: an open one stays open
    return out


def stale(ctx: Context, cfg: StaleSettings) -> Verdict:
    """A due period missing past the indicator's national headline release lag, grouped by the
    owning agency (what is late is that agency's release); indicators never reported are left
    alone."""
    inds = [i for i in ctx.settings.catalogue.indicators
            if i.frequency in CHECKED_FREQUENCIES and i.code not in cfg.exclude
            and not i.derived and "status" not in i.unit.lower()]
    latest = ctx.store.headline_periods([i.code for i in inds])
    late: dict[str, list[tuple[str, str, str]]] = {}
    for ind in inds:
        if ind.code not in latest:
            continue
        due = due_period(ind.frequency, ctx.now - ind.lag())
        if period_rank(latest[ind.code]) < period_rank(due):
            late.setdefault(ind.owner, []).append((ind.code, ind.short_vi or ind.name_vi, due))
    out = Verdict()
    for owner, rows in late.items():
        code, name, due = rows[0]
        more = f" và {len(rows) - 1} chỉ tiêu khác" if len(rows) > 1 else ""
        out.raised[f"stale|{owner}"] = {
            "indicator": code, "source": owner, "period": due, "value": len(rows),
            "indicators": [r[0] for r in rows],
            "message_vi": f"{owner}: chưa có số liệu kỳ đến hạn — {name} (kỳ {due}){more}"}
    return out


def report_late(ctx: Context, cfg: CheckSettings) -> Verdict:
    """A regime's reports missing at their deadline: one alert per regime and period."""
    out = Verdict()
    names = ctx.settings.regimes.reporting_units
    for regime in ctx.settings.regimes.regimes:
        period = due_period(regime.periodicity, ctx.now)
        states = compliance(regime, period, ctx.store.submissions(regime.id, period), ctx.now)
        missing = [u for u, st in states.items() if st == "missing"]
        if not missing:
            continue
        shown = ", ".join(names.get(u, u) for u in missing[:3])
        more = f" và {len(missing) - 3} đơn vị khác" if len(missing) > 3 else ""
        deadline = due_date(regime, period).strftime("%d/%m/%Y")
        out.raised[f"report_late|{regime.id}|{period}"] = {
            "source": regime.id, "period": period, "value": len(missing), "units": missing,
            "message_vi": f"{regime.name_vi} kỳ {period}: {len(missing)} đơn vị chưa nộp "
                          f"(hạn {deadline}) — {shown}{more}"}
    return out


def quarantine_surge(ctx: Context, cfg: QuarantineSurgeSettings) -> Verdict:
    """More than `count` records of one source quarantined within `minutes`."""
    samples: list[tuple[float, dict[str, int]]] = ctx.memo.setdefault("samples", [])
    now = time.monotonic()
    totals = {fid: int(h.get("records_rejected") or 0)
              for fid, h in ctx.store.feeds_health().items()}
    samples.append((now, totals))
    while len(samples) > 1 and now - samples[1][0] >= cfg.minutes * 60:
        samples.pop(0)  # keep the newest sample at least `minutes` old as the baseline
    base = samples[0][1]
    out = Verdict()
    for fid, total in totals.items():
        added = total - base.get(fid, total)
        dedupe = f"quarantine_surge|{fid}"
        if added >= cfg.count:
            out.raised[dedupe] = {
                "source": fid, "value": added,
                "message_vi": f"Nguồn {fid}: {format_number(added)} bản ghi bị cách ly trong "
                              f"{format_number(cfg.minutes)} phút (ngưỡng "
                              f"{format_number(cfg.count)})"}
        elif added >= cfg.count / 2:
            out.held.add(dedupe)
    return out


def target_slip(ctx: Context, cfg: Any) -> Verdict:
    """A target in force whose status is at_risk or off_track (never an example target)."""
    from wall.analysis.service import Forecaster
    from wall.analysis.targets import progress_all

    f = Forecaster(ctx.store, ctx.settings.catalogue, compute=False)  # kept forecasts only
    year = ctx.now.astimezone(TZ).year
    out = Verdict()
    for p in progress_all(f, ctx.settings.targets, ctx.settings.catalogue, year,
                          ctx.now.astimezone(TZ).date()):
        t = p.target
        if not p.in_force or t.example or p.status not in ("at_risk", "off_track"):
            continue
        chance = (f", khả năng đạt {format_number(100 * p.probability)} %"
                  if p.probability is not None else "")
        proj = p.projection
        out.raised[f"target|{t.id}"] = {
            "indicator": t.indicator, "area": t.assignee, "period": str(t.year),
            "value": round(proj.mean, 3) if proj is not None else None,
            "severity": cfg.off_track_severity if p.status == "off_track" else cfg.severity,
            "message_vi": f"Mục tiêu {t.name_vi} {t.year}: {SLIP_VI[p.status]}"
                          f"{chance}"}
    return out


def task_overdue(ctx: Context, cfg: CheckSettings) -> Verdict:
    """A direction task past its due date and not done: one alert per task."""
    out = Verdict()
    agencies = ctx.settings.regimes.reporting_units
    for task in kept(ctx.store.tasks(), agencies):
        if state(task, ctx.today) != "overdue":
            continue
        late_days = (ctx.today - task.due_on).days
        out.raised[f"task_overdue|{task.number}"] = {
            "indicator": TASK_INDICATOR, "area": task.agency, "source": task.source,
            "period": task.due_on.isoformat(), "value": late_days, "task": task.number,
            "simulated": task.simulated,
            "message_vi": f"{'[MÔ PHỎNG] ' if task.simulated else ''}Nhiệm vụ {task.number} "
                          f"({ISSUERS[task.issued_by]} giao {agencies[task.agency]}) quá hạn "
                          f"{late_days} ngày: {task.title[:120]}"}
    return out


CHECKS: dict[str, Callable[[Context, Any], Verdict]] = {
    "source_down": source_down, "stale": stale, "report_late": report_late,
    "quarantine_surge": quarantine_surge, "target": target_slip, "task_overdue": task_overdue}


def interval_s(cfg: CheckSettings) -> float:
    """Seconds between two runs of a check."""
    return parse_duration(cfg.every).total_seconds()
