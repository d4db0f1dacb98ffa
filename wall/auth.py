"""Every door checked: who is calling (session, screen token, API token, feed key) and may they.

`install` puts `_guard` before every route the Flask server has — Dash's own `_dash-*` routes
and assets included — and the relay calls `socket_principal` on every Socket.IO connect.
Nothing is served to an anonymous caller except the login page and the files it is drawn with.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import redis
from flask import Flask, Response, g, jsonify, redirect, request, session

from wall.access import Principal
from wall.accounts import Accounts
from wall.login_page import blocked_page, login_page
from wall.redis_conn import redis_configured

__all__ = ["SocketGate", "audit_limited", "current", "install", "may_open", "socket_principal"]

log = logging.getLogger(__name__)

SESSION_TTL_S = 12 * 3600
DEVICE_COOKIE = "wall_device"
CSRF_COOKIE = "_csrf_token"  # Dash's renderer sends it back as X-CSRFToken on every request
TEN_YEARS = 10 * 365 * 24 * 3600
LOGIN_WINDOW_S = 15 * 60
MAX_FAILS_USER = 5  # per user and address within the window
MAX_FAILS_ADDR = 20  # per address, whatever the user name
MAX_FAILS_ACCOUNT = 30  # per user name from every address (a guessing spread over addresses)
ANONYMOUS = re.compile(r"^/(login|livez|assets/(wall\.css|vendor/[\w.-]+\.css|fonts/[\w.-]+))$")
SCREEN_PATHS = re.compile(
    r"^/(assets/.+|_dash-(layout|dependencies|update-component|component-suites/.+)|_reload-hash"
    r"|_favicon\.ico|api/v1/cameras/[^/]+/snapshot|api/v1/forecast|api/v1/targets)$")
EXPORT_PAGES = re.compile(r"^/(s/[^/]+|screen/[^/]+|wall|meeting-pack)$")
PAGES = re.compile(r"^/(|s/[^/]+|screen/[^/]+|wall|control)$")  # where a link may lead


def current() -> Principal | None:
    """Return the principal of the request being served (None outside a request or anonymous)."""
    return g.get("principal")


def socket_principal(accounts: Accounts) -> Principal | None:
    """Return who opens a Socket.IO connection (same-origin only), or None to refuse it."""
    origin = request.headers.get("Origin")
    if origin and origin.rstrip("/") != request.host_url.rstrip("/"):
        return None
    return _resolve(accounts)


def _resolve(accounts: Accounts) -> Principal | None:
    """Bearer token, else the login session, else the device cookie of a kiosk or an export."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return accounts.resolve(header[7:].strip())
    sid = session.get("sid")
    if sid:
        started = float(session.get("t", 0))
        p = accounts.session_principal(str(sid), started + SESSION_TTL_S)
        if p is not None and time.time() - started <= SESSION_TTL_S:
            return p
        session.pop("sid", None)
    device = request.cookies.get(DEVICE_COOKIE)
    if device:
        p = accounts.resolve(device)
        if p is not None and p.kind in ("screen", "export"):
            return p
    return None


def audit_limited(store: Any, who: str, action: str, detail: dict[str, Any]) -> None:
    """Audit a refusal, at most 5 times per caller, address, action and path in 15 minutes,
    then at the 10th, 100th… (with the count), so refusals cannot flood the audit stream."""
    where = request.remote_addr or ""
    # keyed by the address alone: a caller cannot make new keys by varying the path or the name
    n = store.throttle_hit(f"audit:{action}:{where}", LOGIN_WINDOW_S)
    if n <= 5 or str(n).rstrip("0") == "1":
        store.audit(who, action, {**detail, "repeats": n} if n > 5 else detail, where)


def may_open(p: Principal, path: str) -> bool:
    """Whether `p` may open the page at `path` (Dash renders pages through a callback)."""
    return _allowed(p, path, "GET", console=False)


def _allowed(p: Principal, path: str, method: str, console: bool | None = None) -> bool:
    """The route policy: which kind of caller may use which path."""
    if path == "/_dash-update-component" and (
            _is_console_callback() if console is None else console):
        return p.has_role("operator")
    if p.kind == "feed":
        return method == "POST" and path in ("/api/v1/observations", "/api/v1/reports",
                                             "/api/v1/tasks")
    if p.kind == "screen":
        return bool(SCREEN_PATHS.match(path)) or path == f"/s/{p.screen}"
    if p.kind == "export":
        return bool(SCREEN_PATHS.match(path) or EXPORT_PAGES.match(path))
    if path in ("/control", "/meeting") or path == "/api/v1/reports" or (
            path.startswith(("/api/v1/screens/", "/api/v1/focus")) and method == "POST"):
        return p.has_role("operator")
    if path.startswith(("/api/v1/alerts/", "/api/v1/observations/")) and method == "POST":
        # acknowledge, assign, resolve an alert; correct or retract a stored value
        return p.has_role("operator")
    if path == "/api/v1/observations" or path.startswith("/api/v1/audit") or (
            path == "/api/v1/tasks" and method == "POST"):
        return p.has_role("admin")
    return p.has_role("viewer")


class SocketGate:
    """The relay's door: who may connect, which rooms they may join, and for how long."""

    def __init__(self, accounts: Accounts, panel_of: Callable[[str], str]) -> None:
        self.accounts = accounts
        self.panel_of = panel_of

    def connect(self) -> Principal | None:
        """Return the caller of the current Socket.IO handshake, or None."""
        p = socket_principal(self.accounts)
        return p if p is not None and p.kind != "feed" else None

    def may_join(self, p: Principal, panel: str, screen: str | None) -> bool:
        """A screen device joins only its own screen, showing what the console set."""
        try:
            shown = self.panel_of(screen) if screen else None  # an unknown screen raises
        except ValueError:
            return False
        if p.kind == "screen":
            return screen == p.screen and panel.split("#", 1)[0] == shown  # any page of it
        return p.kind == "export" or p.has_role("viewer")

    def still_valid(self, p: Principal) -> bool:
        """Whether the caller's token, session or account still stands."""
        return self.accounts.still_valid(p)


def _is_console_callback() -> bool:
    body = request.get_json(silent=True) or {}
    return "console-" in str(body.get("output", ""))


def _deny(p: Principal | None) -> Any:
    api = request.path.startswith(("/api/", "/_dash", "/healthz", "/socket.io"))
    if p is None and not api and request.method == "GET":
        return redirect("/login?" + urlencode({"next": request.full_path.rstrip("?")}))
    if api or request.method != "GET":
        return jsonify({"error": "login required" if p is None else
                        "not permitted for this account"}), 401 if p is None else 403
    return Response(blocked_page("Tài khoản này không được mở trang này",
                                 "This account may not open this page"), status=403,
                    mimetype="text/html")


def _csrf_ok() -> bool:
    expected = session.get("csrf", "")
    sent = request.headers.get("X-CSRFToken") or request.form.get("csrf_token", "")
    return bool(expected) and hmac.compare_digest(expected, sent)


def _device_login(accounts: Accounts, token: str) -> Any:
    """A screen or export URL carries its token once: keep it in a cookie, drop it from the URL."""
    p = accounts.resolve(token)
    if p is None or p.kind not in ("screen", "export"):
        audit_limited(accounts.store, "?", "auth.token_refused", {"path": request.path})
        return Response(blocked_page("Mã màn hình không hợp lệ hoặc đã bị thu hồi",
                                     "This screen link is unknown or has been revoked"),
                        status=401, mimetype="text/html")
    args = {k: v for k, v in request.args.items() if k != "token"}
    resp = redirect(request.path + (f"?{urlencode(args)}" if args else ""))
    resp.set_cookie(DEVICE_COOKIE, token, max_age=TEN_YEARS if p.kind == "screen" else 180,
                    httponly=True, samesite="Lax", secure=_tls())
    if p.kind == "screen":
        accounts.store.audit(p.who, "auth.screen_login", {"screen": p.screen},
                             request.remote_addr or "")
    return resp


def _tls() -> bool:
    return os.environ.get("WALL_TLS", "") == "1"


REDIS_RETRY_S = 5
DEFAULT_BODY_LIMIT = 1024 * 1024
BODY_LIMITS = {"/login": 16 * 1024, "/api/v1/observations": 16 * 1024 * 1024,
               "/api/v1/tasks": 4 * 1024 * 1024, "/api/v1/reports": 200 * 1024 * 1024}


def _redis_away(exc: Exception) -> Any:
    """Redis down or hung (here or while checking who calls): 503 with Retry-After, JSON for
    programs, a page for people; nothing is taken as stored."""
    log.warning("Redis unavailable for %s %s: %s", request.method, request.path, exc)
    headers = {"Retry-After": str(REDIS_RETRY_S)}
    if request.path.startswith(("/api/", "/_dash", "/healthz", "/socket.io")):
        return jsonify({"status": "unavailable", "error": "the data store (Redis) is not "
                        "reachable; nothing was stored: try again", "retry_after_s":
                        REDIS_RETRY_S}), 503, headers
    return Response(blocked_page("Hệ thống lưu trữ dữ liệu tạm thời không truy cập được",
                                 "The data store is unreachable for now"), status=503,
                    mimetype="text/html", headers=headers)


def _guard(accounts: Accounts) -> Callable[[], Any]:
    def check() -> Any:
        path = request.path
        if path == "/livez":  # liveness for load balancers: no token, no Redis, nothing told
            return None
        limit = BODY_LIMITS.get(path, DEFAULT_BODY_LIMIT)
        if (request.content_length or 0) > limit:  # refused before a byte is read
            return jsonify({"error": f"request body over {limit // 1024} KB"}), 413
        request.max_content_length = limit  # a chunked body is cut off at the same size
        token = request.args.get("token")
        if token and request.method == "GET" and not path.startswith("/api/"):
            return _device_login(accounts, token)
        p = _resolve(accounts)
        g.principal = p
        if ANONYMOUS.match(path):
            return None
        if p is None or not _allowed(p, path, request.method):
            if p is not None:
                audit_limited(accounts.store, p.who, "auth.refused",
                               {"path": path, "method": request.method})
            return _deny(p)
        bearer = request.headers.get("Authorization", "").startswith("Bearer ")
        if p.kind == "user" and not bearer:  # a browser's session: guard against other sites
            if request.headers.get("Sec-Fetch-Site") == "cross-site" and not (
                    request.method == "GET" and PAGES.match(path)):
                return jsonify({"error": "cross-site request refused"}), 403
            if request.method not in ("GET", "HEAD", "OPTIONS") and not _csrf_ok():
                audit_limited(accounts.store, p.who, "auth.csrf_refused", {"path": path})
                return jsonify({"error": "CSRF token missing or wrong"}), 403
        return None

    return check


INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.S)
CSP = ("default-src 'self'; script-src 'self' {scripts}; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; frame-src 'self'; "
       "frame-ancestors 'self'; object-src 'none'; base-uri 'self'; form-action 'self'")


def _script_hashes(html: bytes) -> list[str]:
    """CSP hashes of the page's own inline scripts (Dash's renderer start-up and the like)."""
    return [f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
            for attrs, body in INLINE_SCRIPT.findall(html) if b"application/json" not in attrs]


def _add_headers(resp: Response) -> Response:
    """Security headers on every response: CSP to the app's own origin, no sniffing, no framing."""
    scripts = ""
    if resp.mimetype == "text/html" and not resp.is_streamed:
        scripts = " ".join(sorted(set(_script_hashes(resp.get_data()))))
    h = resp.headers
    h["Content-Security-Policy"] = CSP.format(scripts=scripts)
    h["X-Content-Type-Options"] = "nosniff"
    h["X-Frame-Options"] = "SAMEORIGIN"
    h["Referrer-Policy"] = "no-referrer"
    h["Cross-Origin-Opener-Policy"] = "same-origin"
    h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if _tls():
        h["Strict-Transport-Security"] = "max-age=31536000"
    if not request.path.startswith(("/assets/", "/_dash-component-suites/")):
        h["Cache-Control"] = "no-store"
    csrf = session.get("csrf")
    if csrf and request.cookies.get(CSRF_COOKIE) != csrf:
        resp.set_cookie(CSRF_COOKIE, csrf, samesite="Strict", secure=_tls())
    return resp


def _throttle_names(name: str) -> tuple[str, str]:
    addr = request.remote_addr or "?"
    return f"login:{name}:{addr}", f"login-addr:{addr}"


def _login_routes(server: Flask, accounts: Accounts) -> None:
    store = accounts.store

    def render(message: str = "", status: int = 200) -> Response:
        session.setdefault("csrf", secrets.token_urlsafe(24))
        nxt = request.values.get("next", "/")
        return Response(login_page(session["csrf"], nxt if _safe_next(nxt) else "/", message),
                        status=status, mimetype="text/html")

    @server.get("/login")
    def login_form() -> Response:
        return render()

    @server.post("/login")
    def login_submit() -> Any:
        where = request.remote_addr or ""
        name = request.form.get("username", "").strip().lower()[:64]
        per_user, per_addr = _throttle_names(name)
        if not _csrf_ok():
            return render("Phiên đăng nhập đã hết hạn, hãy thử lại / please try again", 400)
        # count the attempt before checking it, so parallel guesses cannot outrun the limit
        per_account = f"login-account:{name}"
        counts = (store.throttle_hit(per_user, LOGIN_WINDOW_S),
                  store.throttle_hit(per_addr, LOGIN_WINDOW_S),
                  store.throttle_hit(per_account, LOGIN_WINDOW_S))
        if counts[0] > MAX_FAILS_USER or counts[1] > MAX_FAILS_ADDR or \
                counts[2] > MAX_FAILS_ACCOUNT:
            wait = max(store.throttle_state(k)[1] for k in (per_user, per_addr, per_account))
            audit_limited(store, name or "?", "auth.login_throttled", {})
            resp = render(f"Quá nhiều lần đăng nhập sai — thử lại sau {wait // 60 + 1} phút / "
                          "too many failed logins, try again later", 429)
            resp.headers["Retry-After"] = str(max(wait, 1))
            return resp
        user = accounts.check_password(name, request.form.get("password", ""))
        if user is None:
            audit_limited(store, name or "?", "auth.login_failed", {})
            return render("Sai tên đăng nhập hoặc mật khẩu / wrong user name or password", 401)
        store.throttle_clear(per_user)
        store.throttle_undo(per_addr)  # a success does not count against the workstation
        store.throttle_undo(per_account)
        session.clear()
        session.permanent = True
        session.update({"sid": accounts.open_session(user, SESSION_TTL_S), "t": time.time(),
                        "csrf": secrets.token_urlsafe(24)})
        store.audit(user.name, "auth.login", {"role": user.role}, where)
        nxt = request.form.get("next", "/")
        resp = redirect(nxt if _safe_next(nxt) else "/")
        resp.delete_cookie(DEVICE_COOKIE)  # a person now uses this browser, not a kiosk
        return resp

    @server.route("/logout", methods=["GET", "POST"])
    def logout() -> Any:
        p = current()
        if p is not None and p.kind == "user":
            store.audit(p.who, "auth.logout", {}, request.remote_addr or "")
        if session.get("sid"):
            accounts.close_session(str(session["sid"]))  # the cookie is worthless from now on
        session.clear()
        resp = redirect("/login")
        resp.delete_cookie(CSRF_COOKIE)
        resp.delete_cookie(DEVICE_COOKIE)
        return resp


SAFE_NEXT = re.compile(r"^/(?![/\\])[A-Za-z0-9/_.~%?=&+-]*$")


def _safe_next(nxt: str) -> bool:
    """Only a path of this site: no scheme, no host, no control characters, no `//`."""
    return bool(SAFE_NEXT.match(nxt))


def install(server: Flask, accounts: Accounts) -> None:
    """Guard every route of `server`, add the login pages and the security headers."""
    secret = os.environ.get("WALL_SECRET_KEY")
    if not secret and redis_configured():
        log.warning("WALL_SECRET_KEY is not set: sessions end when this process stops, and "
                    "several `opswall serve` processes will not share logins")
    secret = secret or secrets.token_urlsafe(48)
    server.config.update(
        SECRET_KEY=secret, SESSION_COOKIE_NAME="wall_session", SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=_tls(),
        PERMANENT_SESSION_LIFETIME=SESSION_TTL_S, MAX_CONTENT_LENGTH=200 * 1024 * 1024)
    server.before_request(_guard(accounts))
    server.after_request(_add_headers)
    server.register_error_handler(redis.RedisError, _redis_away)
    server.add_url_rule("/livez", "livez", lambda: Response("ok\n", mimetype="text/plain"))
    _login_routes(server, accounts)
