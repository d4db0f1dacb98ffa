"""`opswall forecast backtest|worker`: how well each series is forecast, and the worker itself."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from wall.analysis.forecast import backtest
from wall.analysis.paths import InsufficientData
from wall.analysis.service import Forecaster
from wall.analysis.worker import FORECAST_FREQUENCIES, ForecastWorker, shown_series
from wall.config import WallSettings
from wall.env import env_float
from wall.store import Store

__all__ = ["add_parser", "backtest_rows", "print_table"]


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `forecast` command."""
    p = sub.add_parser("forecast", help="forecasts: `backtest` prints how each series' chosen "
                                        "model did against the naive one; `worker` runs the "
                                        "worker on REDIS_URL")
    p.add_argument("action", choices=["backtest", "worker"])
    p.add_argument("--indicator", action="append", help="indicator code (repeatable); default: "
                                                        "every national headline series")
    p.add_argument("--area", default="VN")
    p.add_argument("--json", action="store_true", help="one JSON object per series")


def _fmt(x: float | None, pct: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x * 100:.0f} %" if pct else f"{x:.2f}"


def backtest_rows(store: Store, settings: WallSettings, codes: list[str], area: str,
                  cleared: Any = lambda _code: True) -> Any:
    """Yield one result per series: chosen model, its MASE, the naive MASE, coverage."""
    f = Forecaster(store, settings.catalogue)
    for code in codes:
        if not cleared(code):
            yield {"indicator": code, "error": "not cleared"}
            continue
        pts = f.points(code, area, {})
        if not pts:
            continue
        kind = f.kind(code)
        companion, weights = f.inputs(kind, area, {})
        try:
            bt = backtest(pts, kind, companion, weights)
        except (InsufficientData, ValueError) as exc:
            yield {"indicator": code, "kind": kind.name, "error": str(exc)}
            continue
        yield {"indicator": code, "kind": kind.name, "as_of": bt.selected_at,
               "origins": bt.origins, "model": bt.chosen, "benchmark": bt.benchmark,
               "mase": bt.mase.get(bt.chosen), "naive_mase": bt.mase.get(bt.benchmark),
               "coverage80": bt.coverage80.get(bt.chosen),
               "coverage95": bt.coverage95.get(bt.chosen),
               "calibrated80": bt.held_out80, "calibrated95": bt.held_out95,
               "interval_scale": [bt.scale80, bt.scale95], "mase_all": bt.mase}


HEAD = ("| chỉ tiêu / series | loại / kind | đến / as of | mô hình / model | MASE | "
        "MASE naive | phủ 80 % / cov. 80 | phủ 95 % / cov. 95 | sau hiệu chỉnh / calibrated "
        "80 · 95 |")


def print_table(rows: Any, as_json: bool) -> int:
    """Print rows as a Markdown table (or JSON lines); return how many were evaluated."""
    n = 0
    if not as_json:
        print(HEAD)
        print("|" + "---|" * 9)
    for r in rows:
        if as_json:
            print(json.dumps(r, ensure_ascii=False), flush=True)
        elif "error" in r:
            print(f"| {r['indicator']} | {r.get('kind', '')} | — | {r['error']} | | | | | |",
                  flush=True)
        else:
            print(f"| {r['indicator']} | {r['kind']} | {r['as_of']} | {r['model']} "
                  f"(naive: {r['benchmark']}) | {_fmt(r['mase'])} | {_fmt(r['naive_mase'])} | "
                  f"{_fmt(r['coverage80'], True)} | {_fmt(r['coverage95'], True)} | "
                  f"{_fmt(r['calibrated80'], True)} · {_fmt(r['calibrated95'], True)} |",
                  flush=True)
        n += "error" not in r
    return n


def default_codes(store: Store, settings: WallSettings, area: str) -> list[str]:
    """Indicators with a national headline series stored, monthly or quarterly first."""
    have = {o.indicator for o in store.latest_many(i.code for i in settings.catalogue.indicators)
            if o.area == area and not o.dims}
    order = {"M": 0, "Q": 1, "S": 2, "A": 3}
    return sorted((i.code for i in settings.catalogue.indicators
                   if i.code in have and i.frequency in FORECAST_FREQUENCIES),
                  key=lambda c: (order[settings.catalogue.get(c).frequency], c))


def run_worker(store: Store, settings: WallSettings) -> int:
    """Run the forecast worker until interrupted (niced: screens and feeds go first)."""
    import os

    try:
        os.nice(10)
    except OSError:
        pass
    duty = env_float("WALL_FORECAST_DUTY", 0.5)
    worker = ForecastWorker(store, settings.catalogue, also=shown_series(settings), duty=duty)
    print(f"forecast worker {worker.worker}: {len(worker.wanted)} indicators watched",
          flush=True)
    try:
        worker.run()
    except KeyboardInterrupt:
        pass
    return 0


def seed_store(settings: WallSettings) -> Store:
    """An embedded store holding the repository's published seed series (no REDIS_URL)."""
    from data_feeds.replay import SEED
    from data_feeds.report_file import ingest_file
    from wall.store import connect

    store = Store(connect(), prefix="backtest:")
    print(f"… nạp / loading {SEED.name}", file=sys.stderr, flush=True)
    ingest_file(store, settings, SEED, "seed", None, allow=lambda _i, _a: True)
    return store
