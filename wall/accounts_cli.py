"""`opswall users`, `screens token`, `keys` and `audit`, and who runs a data command.

A command that touches data acts as an account: `WALL_TOKEN` (an API token from
`opswall users token`), or `WALL_USER` with `WALL_PASSWORD` (asked for on a terminal). Every
change is written to the audit stream with that account and `cli:<os user>@<host>`.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import socket
import sys
from urllib.parse import urlencode

from wall.access import CLEARANCES, ROLES, Principal
from wall.accounts import AccountError, Accounts
from wall.config import WallSettings
from wall.store import Store

__all__ = ["add_parsers", "cli_principal", "run", "where"]

NEEDS = {"users": "admin", "screens": "admin", "keys": "admin", "audit": "admin",
         "import": "operator", "quarantine": "operator", "feeds-list": "viewer",
         "forecast": "viewer"}


def where() -> str:
    """The audit stream's `where` for this command line."""
    return f"cli:{getpass.getuser()}@{socket.gethostname()}"


def cli_principal(accounts: Accounts, command: str) -> Principal | None:
    """Return the account this command runs as, if it may run `command`; else say why."""
    p: Principal | None = None
    if os.environ.get("WALL_TOKEN"):
        p = accounts.resolve(os.environ["WALL_TOKEN"])
        if p is None:
            print("WALL_TOKEN is not a valid token (revoked, expired or mistyped): issue one with "
                  "`opswall users token NAME`", file=sys.stderr)
            return None
    elif os.environ.get("WALL_USER"):
        name = os.environ["WALL_USER"]
        password = os.environ.get("WALL_PASSWORD") or (
            getpass.getpass(f"mật khẩu của {name} / password: ") if sys.stdin.isatty() else "")
        user = accounts.check_password(name, password)
        if user is None:
            accounts.store.audit(name, "auth.login_failed", {"via": "cli"}, where())
            print(f"sai tên đăng nhập hoặc mật khẩu / wrong user name or password for {name!r}",
                  file=sys.stderr)
            return None
        p = user.principal()
    if p is None:
        print("this command needs an account: set WALL_TOKEN (from `opswall users token NAME`) or "
              "WALL_USER and WALL_PASSWORD", file=sys.stderr)
        return None
    if not p.has_role(NEEDS[command]):
        print(f"{p.who} may not run `{command}` (needs the {NEEDS[command]} role)",
              file=sys.stderr)
        return None
    return p


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the users, screens, keys and audit sub-commands."""
    users = sub.add_parser("users", help="users: add, list, disable, enable, passwd, token, "
                                         "revoke-tokens")
    users.add_argument("action", choices=["add", "list", "disable", "enable", "passwd", "token",
                                          "revoke-tokens"])
    users.add_argument("name", nargs="?")
    users.add_argument("--role", choices=ROLES, default="viewer")
    users.add_argument("--clearance", choices=CLEARANCES)
    screens = sub.add_parser("screens", help="`screens token issue|revoke ID`: screen tokens")
    screens.add_argument("what", choices=["token"])
    screens.add_argument("action", choices=["issue", "revoke"])
    screens.add_argument("screen")
    screens.add_argument("--clearance", choices=CLEARANCES,
                         help="most the screen may see (default: its wall.yaml clearance)")
    screens.add_argument("--url", default=os.environ.get("WALL_PUBLIC_URL",
                                                         "http://127.0.0.1:8050"))
    keys = sub.add_parser("keys", help="feed ingest keys: issue SOURCE, list, revoke ID")
    keys.add_argument("action", choices=["issue", "list", "revoke"])
    keys.add_argument("name", nargs="?", help="source id (issue) or key id (revoke)")
    keys.add_argument("--indicators", default="", help="comma-separated codes or patterns")
    keys.add_argument("--areas", default="*", help="comma-separated area codes or patterns")
    audit = sub.add_parser("audit", help="show the audit stream, newest first")
    audit.add_argument("--count", type=int, default=50)
    audit.add_argument("--json", action="store_true")


def _password(prompt: str) -> str:
    if os.environ.get("WALL_NEW_PASSWORD"):
        return os.environ["WALL_NEW_PASSWORD"]
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return ""


def _users(a: argparse.Namespace, accounts: Accounts, who: str) -> int:
    store = accounts.store
    if a.action == "list":
        for u in accounts.users():
            print(f"{u.name:<20} {u.role:<9} {u.clearance:<11} "
                  f"{'VÔ HIỆU / disabled' if u.disabled else 'hoạt động / active'}")
        return 0
    if not a.name:
        raise AccountError("give a user name")
    if a.action == "add":
        password = _password(f"mật khẩu cho {a.name} / password: ")
        generated = not password
        password = password or secrets.token_urlsafe(12)
        accounts.add_user(a.name, password, a.role, a.clearance)
        if generated:
            print(f"mật khẩu / password: {password}")
    elif a.action in ("disable", "enable"):
        accounts.set_disabled(a.name, a.action == "disable")
    elif a.action == "passwd":
        password = _password(f"mật khẩu mới cho {a.name} / new password: ")
        if not password:
            raise AccountError("set WALL_NEW_PASSWORD or run on a terminal")
        accounts.set_password(a.name, password)
    elif a.action == "token":
        print(accounts.issue_user_token(a.name))
    elif a.action == "revoke-tokens":
        print(f"đã thu hồi / revoked: {accounts.revoke_user_tokens(a.name)}")
    store.audit(who, f"users.{a.action}", {"user": a.name, "role": a.role}, where())
    print(f"ok: users {a.action} {a.name}", file=sys.stderr)
    return 0


def _screens(a: argparse.Namespace, accounts: Accounts, settings: WallSettings,
             who: str) -> int:
    spec = next((s for s in settings.wall.screens if s.id == a.screen), None)
    if spec is None:
        raise AccountError(f"no screen {a.screen!r} in config/wall.yaml")
    if a.action == "revoke":
        found = accounts.revoke_screen_token(a.screen)
        accounts.store.audit(who, "screens.token_revoke", {"screen": a.screen}, where())
        print(f"{'đã thu hồi / revoked' if found else 'không có mã / had no token'}: {a.screen}")
        return 0
    token = accounts.issue_screen_token(a.screen, a.clearance or spec.clearance)
    accounts.store.audit(who, "screens.token_issue", {"screen": a.screen,
                                                      "clearance": a.clearance or spec.clearance},
                         where())
    print(f"{a.url.rstrip('/')}/s/{a.screen}?{urlencode({'token': token})}")
    return 0


def _keys(a: argparse.Namespace, accounts: Accounts, who: str) -> int:
    if a.action == "list":
        print(json.dumps(accounts.feed_keys(), ensure_ascii=False, indent=1))
        return 0
    if not a.name:
        raise AccountError("give a source id (issue) or a key id (revoke)")
    if a.action == "revoke":
        found = accounts.revoke_token(a.name)
        accounts.store.audit(who, "keys.revoke", {"key": a.name[:12]}, where())
        print("đã thu hồi / revoked" if found else "không có khóa này / no such key")
        return 0 if found else 1
    indicators = [s for s in a.indicators.split(",") if s]
    key = accounts.issue_feed_key(a.name, indicators, [s for s in a.areas.split(",") if s])
    accounts.store.audit(who, "keys.issue", {"source": a.name, "indicators": indicators,
                                             "areas": a.areas}, where())
    print(key)
    return 0


def _audit(a: argparse.Namespace, store: Store) -> int:
    rows = store.audit_log(a.count)
    if a.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for r in rows:  # what a caller chose (a user name, a path) is shown, never obeyed
        at, who, action, place, detail = (_printable(r.get(k, "")) for k in (
            "at", "who", "action", "where", "detail"))
        print(f"{at[:19]}  {who:<18} {action:<22} {place:<22} {detail}")
    return 0


def _printable(text: str) -> str:
    """Text with control characters (newlines, ESC sequences) escaped for a terminal."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def run(a: argparse.Namespace, store: Store, settings: WallSettings) -> int:
    """Run users / screens / keys / audit as the account the environment names."""
    accounts = Accounts(store)
    bootstrap = a.cmd == "users" and a.action == "add" and a.role == "admin" and not any(
        u.role == "admin" and not u.disabled for u in accounts.users())
    if bootstrap:  # the very first admin: whoever holds the Redis credentials may create it
        who = f"bootstrap:{getpass.getuser()}"
    else:
        p = cli_principal(accounts, a.cmd)
        if p is None:
            return 3
        who = p.who
    try:
        if a.cmd == "users":
            return _users(a, accounts, who)
        if a.cmd == "screens":
            return _screens(a, accounts, settings, who)
        if a.cmd == "keys":
            return _keys(a, accounts, who)
        return _audit(a, store)
    except AccountError as exc:
        print(f"lỗi / error: {exc}", file=sys.stderr)
        return 2
