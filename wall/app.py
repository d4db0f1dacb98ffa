"""App factory: the Dash wall, the HTTP API and the Socket.IO relay on one Flask server."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dash
from dash import dcc, html
from flask import Flask
from flask_socketio import SocketIO

from wall import auth
from wall.api import api_blueprint
from wall.config import WallSettings
from wall.relay import Relay
from wall.store import Store

__all__ = ["WallApp", "create_app"]

ASSETS = Path(__file__).resolve().parent.parent / "assets"


@dataclass
class WallApp:
    """The running pieces of one wall server process."""

    dash: dash.Dash
    server: Flask
    socketio: SocketIO
    relay: Relay
    store: Store

    def run(self, host: str, port: int) -> None:
        """Serve until stopped (threading mode, websocket transport via simple-websocket)."""
        self.socketio.run(self.server, host=host, port=port, allow_unsafe_werkzeug=True,
                          use_reloader=False, log_output=False)


def _index(settings: WallSettings, **_: Any) -> html.Div:
    from layouts.registry import panels

    links = [html.Li(dcc.Link(f"{p.title_vi} — {p.title_en}", href=f"/screen/{pid}"))
             for pid, p in sorted(panels().items())]
    screens = [html.Li(dcc.Link(f"Màn hình {s.id}: {s.panel}", href=f"/screen/{s.panel}"))
               for s in settings.wall.screens]
    return html.Div(className="index-page container", children=[
        html.H1(settings.wall.title_vi),
        html.P(settings.wall.title_en, className="lead"),
        html.H2("Các màn hình / Panels"),
        html.Ul(links, id="panel-list"),
        html.H2("Màn hình vật lý / Physical screens"),
        html.Ul(screens),
    ])


def _screen(settings: WallSettings, panel_id: str = "", **query: Any) -> Any:
    from layouts.registry import panels

    panel = panels().get(panel_id)
    if panel is None:
        return html.Div(className="index-page container", children=[
            html.H1("Không có màn hình này / No such panel"),
            dcc.Link("Danh sách màn hình", href="/"),
        ])
    return panel.build(settings, screen_id=query.get("screen"))


def create_app(settings: WallSettings, store: Store, *, start_relay: bool = True) -> WallApp:
    """Build the Flask server, the Dash pages, the API and the relay."""
    from layouts.registry import panels, subscriptions

    for panel in panels().values():  # import and build every panel once, before any thread
        panel.build(settings)
    server = Flask("wall")
    server.config["JSON_AS_ASCII"] = False
    auth.install(server)
    app = dash.Dash(
        "wall", server=server, assets_folder=str(ASSETS), use_pages=True, pages_folder="",
        update_title=None, title=settings.wall.title_vi, compress=True, serve_locally=True,
        suppress_callback_exceptions=True,
    )
    dash.register_page("index", path="/", layout=lambda **q: _index(settings, **q),
                       title=settings.wall.title_vi)
    dash.register_page("screen", path_template="/screen/<panel_id>",
                       layout=lambda panel_id="", **q: _screen(settings, panel_id, **q),
                       title=settings.wall.title_vi)
    app.layout = html.Div([dash.page_container], id="app-root")
    socketio = SocketIO(server, async_mode="threading", ping_interval=5, ping_timeout=10,
                        json=None, max_http_buffer_size=2_000_000)
    relay = Relay(store, socketio, subscriptions)
    relay.register(auth.allow_socket)
    server.register_blueprint(api_blueprint(
        store, settings, lambda: {"relay": {"redis_subscribed": relay.redis_up,
                                  "batches_sent": relay.sent_batches}}))
    if start_relay:
        relay.start()
    return WallApp(app, server, socketio, relay, store)
