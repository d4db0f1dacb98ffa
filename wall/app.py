"""App factory: the Dash wall, the HTTP API and the Socket.IO relay on one Flask server."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape as html_escape
from pathlib import Path
from typing import Any

import dash
from dash import dcc, html
from flask import Flask, request
from flask_socketio import SocketIO

from wall import auth
from wall.access import Guard, Principal
from wall.accounts import Accounts
from wall.api import CAMERA_INDICATOR, api_blueprint, screens_blueprint
from wall.broadcast import install as install_broadcast
from wall.config import WallSettings
from wall.door import install_front_door
from wall.env import env_int
from wall.pings import install as install_pings
from wall.relay import Relay
from wall.screens import ScreenError, ScreenRegistry
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
    screens: ScreenRegistry
    accounts: Accounts

    def run(self, host: str, port: int) -> None:
        """Serve until stopped (threading mode, websocket transport via simple-websocket)."""
        self.socketio.run(self.server, host=host, port=port, allow_unsafe_werkzeug=True,
                          use_reloader=False, log_output=False)


def _index(settings: WallSettings, registry: ScreenRegistry) -> html.Div:
    from layouts.registry import panels

    links = [html.Li(dcc.Link(f"{p.title_vi} — {p.title_en}", href=f"/screen/{pid}"))
             for pid, p in sorted(panels().items())]
    screens = [html.Li(dcc.Link(f"Màn hình {v.spec.id} (hàng {v.spec.row + 1}, cột "
                                f"{v.spec.col + 1}): {v.panel}", href=f"/s/{v.spec.id}"))
               for v in registry.all()]
    return html.Div(className="index-page container", children=[
        html.H1(settings.wall.title_vi),
        html.P(settings.wall.title_en, className="lead"),
        html.P([dcc.Link("Bàn điều khiển / Console", href="/control"), " · ",
                html.A("Toàn bộ bức tường / Whole wall", href="/wall"), " · ",
                html.A("Đăng xuất / Log out", href="/logout")]),
        html.H2("Các màn hình / Panels"),
        html.Ul(links, id="panel-list"),
        html.H2("Màn hình vật lý / Physical screens"),
        html.Ul(screens, id="screen-list"),
    ])


def _not_found(text: str) -> html.Div:
    return html.Div(className="index-page container", children=[
        html.H1(text), dcc.Link("Danh sách màn hình / All screens", href="/")])


def _refused() -> html.Div:
    return html.Div(className="index-page container page-refused", children=[
        html.H1("Tài khoản này không được mở trang này"),
        html.P("This account may not open this page.", className="lead")])


def _may_open(path: str) -> Principal | None:
    """The caller, if the route policy lets them open `path` (pages render through callbacks)."""
    p = auth.current()
    return p if p is not None and auth.may_open(p, path) else None


def _rotate_playlists(registry: ScreenRegistry) -> None:
    """Advance playlists once a second, in the one server process that holds the lease."""
    worker = f"{os.getpid()}:{id(registry)}"
    while True:
        try:
            if registry.store.hold_lease("playlists", worker, 5.0):
                registry.rotate(time.time())
        except Exception:  # Redis down: the relay reports it; try again next second
            pass
        time.sleep(1.0)


def _font_preloads(app: dash.Dash) -> str:
    """`<link rel=preload>` for the wall's fonts: fetched with the scripts, not after the panel
    arrives (they are `font-display: block`, so text waits for them)."""
    return "".join(f'<link rel="preload" as="font" type="font/woff2" crossorigin '
                   f'href="{app.get_asset_url("fonts/" + f.name)}">'
                   for f in sorted((ASSETS / "fonts").glob("*.woff2")))


PLOTLY_TAG = re.compile(r'<script src="[^"]*/vendor/plotly-basic\.min\.js[^"]*"></script>\n?')
_PANEL_PAGE = re.compile(r"^/screen/([^/]+)$")


def page_needs_plotly(path: str) -> bool:
    """Whether the page at `path` loads the Plotly bundle (parsing it costs a 4K screen
    0.3–0.5 s): a `/screen/<panel>` page only if its panel draws with Plotly; every other page,
    since a kiosk (`/s/<id>`) is switched to any panel, the analysis one too, without a reload."""
    from layouts.registry import panels

    found = _PANEL_PAGE.match(path)
    if not found:
        return True
    panel = panels().get(found[1])
    return panel is None or panel.plotly


_SCREEN_PAGE = re.compile(r"^/s/([^/]+)$")


def expected_room(path: str, args: Mapping[str, str], registry: ScreenRegistry) -> str | None:
    """The room the page at `path` will join, where that is known before its panel is built
    (a panel that subscribes per parameter, focus and analysis, is not): its socket joins while
    Dash still fetches the layout, and the snapshot is there when the panel is."""
    from layouts.registry import page_of, panels, room_key

    if found := _PANEL_PAGE.match(path):
        panel_id, params = found[1], dict(args)
    elif found := _SCREEN_PAGE.match(path):
        try:
            view = registry.view(found[1])
        except ScreenError:
            return None
        panel_id = view.panel if view.panel in panels() else "overview"
        params = {**view.params, **({"page": args["page"]} if args.get("page") else {})}
    else:
        return None
    panel = panels().get(panel_id)
    if panel is None or panel.subscribe_param is not None:
        return None
    return room_key(panel, page_of(params))


def _tailor_index(app: dash.Dash, registry: ScreenRegistry) -> None:
    """Leave the Plotly script out of the pages that draw nothing with it, and tell a panel's
    page, to those who may open it, which room its socket may join before the panel is there."""
    interpolate = app.interpolate_index

    def interpolate_index(**parts: str) -> str:
        if not page_needs_plotly(request.path):
            parts["scripts"] = PLOTLY_TAG.sub("", parts.get("scripts", ""))
        room = expected_room(request.path, request.args, registry) \
            if _may_open(request.path) else None
        if room:
            parts["metas"] = parts.get("metas", "") + \
                f'<meta name="wall-room" content="{html_escape(room)}">'
        return interpolate(**parts)

    app.interpolate_index = interpolate_index  # type: ignore[method-assign]


def create_app(settings: WallSettings, store: Store, *, start_relay: bool = True) -> WallApp:
    """Build the Flask server, the Dash pages, the API and the relay."""
    from layouts.console import console_layout, register_console
    from layouts.console_alerts import alerts_section, register_alert_console
    from layouts.meeting import meeting_layout, register_drill, register_focus_controls
    from layouts.registry import PanelContext, bind, panels, subscriptions
    from layouts.tiles.locked import lock_hidden
    from layouts.tiles.provenance import mark_simulated
    from layouts.wall_canvas import wall_canvas

    bind(settings)  # panels follow the configuration this app was given (`--config`)
    for panel in panels().values():  # import and build every panel once, before any thread
        panel.build(PanelContext(settings))
    registry = ScreenRegistry(store, settings.wall, set(panels()),
                              {pid: p.tags for pid, p in panels().items()})
    accounts, guard = Accounts(store), Guard(settings.catalogue)
    server = Flask("wall")
    server.config["JSON_AS_ASCII"] = False
    app = dash.Dash(
        "wall", server=server, assets_folder=str(ASSETS), use_pages=True, pages_folder="",
        update_title=None, title=settings.wall.title_vi, compress=True, serve_locally=True,
        suppress_callback_exceptions=True,
    )
    auth.install(server, accounts)  # after Dash: its headers go on before compression
    app.index_string = app.index_string.replace("{%css%}", _font_preloads(app) + "{%css%}")
    _tailor_index(app, registry)

    def render(panel_id: str, ctx: PanelContext) -> Any:
        """Build a panel for a caller, every tile they are not cleared for locked."""
        tree = panels()[panel_id].build(ctx)
        tree = lock_hidden(tree, lambda code: not guard.permits(ctx.clearance, code), ctx.lang)
        return mark_simulated(tree, settings, store, ctx.lang)

    def panel_page(panel_id: str = "", lang: str = "vi", **params: Any) -> Any:
        p = _may_open(f"/screen/{panel_id}")
        if p is None:
            return _refused()
        if panel_id not in panels():
            return _not_found("Không có màn hình này / No such panel")
        return render(panel_id, PanelContext(settings, store, None, dict(params),
                                             "en" if lang == "en" else "vi", p.clearance))

    def screen_page(screen_id: str = "", **query: Any) -> Any:
        p = _may_open(f"/s/{screen_id}")
        if p is None:
            return _refused()
        try:
            view = registry.view(screen_id)
        except ScreenError:
            return _not_found(f"Không có màn hình vật lý {screen_id!r} / No such screen")
        panel_id = view.panel if view.panel in panels() else "overview"
        params = dict(view.params)  # a rotating paged panel asks for its next page in the URL
        params.update({k: str(query[k]) for k in ("page", "rotate") if query.get(k)})
        return render(panel_id, PanelContext(settings, store, screen_id, params, view.lang,
                                             p.clearance))

    def index_page(**_: Any) -> Any:
        return _index(settings, registry) if _may_open("/") else _refused()

    def control_page(**_: Any) -> Any:
        p = _may_open("/control")
        if p is None:
            return _refused()
        return console_layout(settings, registry, p.has_role("admin"), p.who,
                              alerts_section(settings, store, p.clearance))

    dash.register_page("index", path="/", layout=index_page, title=settings.wall.title_vi)
    dash.register_page("screen", path_template="/screen/<panel_id>", layout=panel_page,
                       title=settings.wall.title_vi)
    dash.register_page("physical", path_template="/s/<screen_id>", layout=screen_page,
                       title=settings.wall.title_vi)
    def meeting_page(**_: Any) -> Any:
        p = _may_open("/meeting")
        return _refused() if p is None else meeting_layout(settings, p.who)

    dash.register_page("meeting", path="/meeting", layout=meeting_page,
                       title="Bàn họp — " + settings.wall.title_vi)
    dash.register_page("control", path="/control", layout=control_page,
                       title="Bàn điều khiển — " + settings.wall.title_vi)
    app.layout = html.Div([dash.page_container], id="app-root")
    register_console(app, registry)
    register_alert_console(app, settings, store)
    for prefix in ("focus", "meeting"):
        register_focus_controls(app, registry, prefix)
    register_drill(app, registry, settings)
    install_broadcast()  # the relay writes each batch into every websocket itself
    install_pings()  # and one thread pings them all, not a new thread per ping
    socketio = SocketIO(server, async_mode="threading", json=None,
                        ping_interval=env_int("WALL_PING_INTERVAL_S", 5, minimum=1),
                        ping_timeout=env_int("WALL_PING_TIMEOUT_S", 10, minimum=1),
                        max_http_buffer_size=2_000_000)
    relay = Relay(store, socketio, lambda: subscriptions(settings), guard,
                  flush_ms=env_int("WALL_FLUSH_MS", 50, minimum=1))
    install_front_door(server)  # outside Socket.IO's own wrapper: sockets see the client too
    relay.register(auth.SocketGate(accounts, lambda sid: registry.view(sid).panel))
    def shows_cameras(screen_id: str) -> bool:
        sub = subscriptions(settings).get(registry.view(screen_id).panel)
        return sub is not None and CAMERA_INDICATOR in sub.indicators

    def relay_health() -> dict[str, Any]:
        try:  # `?timing_s=N`: the flush timings of the last N seconds (a benchmark's case)
            seconds = min(max(float(request.args.get("timing_s", 60)), 1.0), 3600.0)
        except ValueError:
            seconds = 60.0
        return {"relay": {"redis_subscribed": relay.redis_up, "batches_sent": relay.sent_batches,
                          "deliveries": dict(relay.delivered), "timing": relay.timing(seconds)}}

    server.register_blueprint(api_blueprint(store, settings, guard, relay_health, shows_cameras))
    server.register_blueprint(screens_blueprint(registry, accounts, guard))
    server.add_url_rule("/wall", "wall_canvas", lambda: wall_canvas(settings, registry))

    def meeting_pack() -> Any:
        from layouts.screens.targets import plan_year
        from wall.meeting_pack import pack_html

        year = plan_year(PanelContext(settings, store))
        return pack_html(settings, store, registry.focused(), year)

    server.add_url_rule("/meeting-pack", "meeting_pack", meeting_pack)
    if start_relay:
        relay.start()
        threading.Thread(target=_rotate_playlists, args=(registry,), name="playlists",
                         daemon=True).start()
    return WallApp(app, server, socketio, relay, store, registry, accounts)
