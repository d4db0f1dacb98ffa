"""Baseline for `opswall bench latency`: a plain Dash app polling Redis with dcc.Interval(1000)."""

from __future__ import annotations

import argparse
import logging

import redis
from dash import Dash, Input, Output, dcc, html

from wall.store import Store

TILES = ["NY.GDP.MKTP.KD.ZG", "CPI_YTD_YOY_IDX", "PCPICO_PC_PP_PT", "IIP_M_YOY_IDX", "EXPORTS_M",
         "IMPORTS_M", "TRADE_BALANCE_M", "RETAIL_SALES_M", "INTL_ARRIVALS_M",
         "PUBINV_SB_YTD_PCT_PLAN", "LUR_PT"]


def create_app(redis_url: str, prefix: str = "wall:") -> Dash:
    """Return the Dash app: 11 KPI tiles refreshed from Redis once a second."""
    store = Store(redis.Redis.from_url(redis_url), prefix=prefix)
    app = Dash(__name__, update_title=None)
    app.layout = html.Div([
        dcc.Interval(id="tick", interval=1000),
        *[html.Div(className="kpi-tile", children=[
            html.Div(code, className="tile-name"),
            html.Span("—", id=f"v{i}", className="tile-value", **{"data-value": ""}),
        ], **{"data-indicator": code, "data-area": "VN", "data-key": f"{code}:VN"})
          for i, code in enumerate(TILES)],
    ])
    outputs = [Output(f"v{i}", p) for i in range(len(TILES)) for p in ("children", "data-value")]

    @app.callback(*outputs, Input("tick", "n_intervals"))
    def _refresh(_: int | None) -> list[str]:
        best: dict[str, tuple[tuple[float, int], float | None]] = {}
        for o in store.latest_many(TILES):
            if o.area == "VN" and not o.dims and (o.indicator not in best
                                                  or o.rank > best[o.indicator][0]):
                best[o.indicator] = (o.rank, o.value)
        out: list[str] = []
        for code in TILES:
            value = best.get(code, (None, None))[1]
            text = "" if value is None else repr(value)
            out += [text or "—", text]
        return out

    return app


def main(argv: list[str] | None = None) -> int:
    """Serve the baseline app with the threaded Flask development server."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8060)
    parser.add_argument("--redis", required=True, help="redis://host:port/db")
    parser.add_argument("--prefix", default="wall:")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    create_app(args.redis, args.prefix).run(host=args.host, port=args.port, debug=False,
                                            threaded=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
