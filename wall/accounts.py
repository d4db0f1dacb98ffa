"""Users (argon2 password hashes), API tokens, screen tokens and feed keys, kept in Redis.

Passwords are hashed with argon2id; tokens are 256-bit random strings, stored only as their
SHA-256, so nothing in Redis lets anyone log in or write data.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from wall.access import CLEARANCES, ROLES, Principal
from wall.store import Store

__all__ = ["AccountError", "Accounts", "User", "token_hash"]

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 10
EXPORT_TTL_S = 180
DEFAULT_CLEARANCE = {"viewer": "internal", "operator": "internal", "admin": "restricted"}
_hasher = PasswordHasher()
_DUMMY = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """A user or token change that cannot be made (unknown name, weak password…)."""


def token_hash(raw: str) -> str:
    """Return the at-rest form of a token: its SHA-256, hex."""
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class User:
    """One person who may log in."""

    name: str
    role: str
    clearance: str
    disabled: bool
    version: int
    created: str

    def principal(self) -> Principal:
        """Return the principal this user acts as (a command line run with a password)."""
        return Principal("user", self.name, self.role, self.clearance,
                         credential=f"user:{self.name}:{self.version}")


class Accounts:
    """Create, check and revoke users and tokens."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- users ------------------------------------------------------------------------------
    def add_user(self, name: str, password: str, role: str,
                 clearance: str | None = None) -> User:
        """Create a user; the role decides the default clearance."""
        if not NAME.match(name):
            raise AccountError("a user name is 2–32 of a-z 0-9 . _ - (lower case)")
        if self.store.cred_get("user", name):
            raise AccountError(f"user {name!r} exists")
        if role not in ROLES:
            raise AccountError(f"role must be one of {ROLES}")
        clearance = clearance or DEFAULT_CLEARANCE[role]
        if clearance not in CLEARANCES:
            raise AccountError(f"clearance must be one of {CLEARANCES}")
        self.store.cred_put("user", name, {
            "role": role, "clearance": clearance, "hash": _hash_password(password),
            "disabled": "0", "version": "1", "created": _now()})
        return self._require(name)

    def user(self, name: str) -> User | None:
        """Return a user, or None (one Redis read: this runs on every request)."""
        r = self.store.cred_get("user", name)
        return _user_from(name, r) if r else None

    def users(self) -> list[User]:
        """Return every user, by name."""
        return [u for n in self.store.cred_ids("user") if (u := self.user(n))]

    def set_disabled(self, name: str, disabled: bool) -> None:
        """Disable (ending every session at once) or re-enable a user."""
        user = self._require(name)
        self.store.cred_put("user", name, {"disabled": "1" if disabled else "0",
                                           "version": str(user.version + 1)})

    def set_password(self, name: str, password: str) -> None:
        """Set a new password; the user's other sessions end."""
        user = self._require(name)
        self.store.cred_put("user", name, {"hash": _hash_password(password),
                                           "version": str(user.version + 1)})

    def check_password(self, name: str, password: str) -> User | None:
        """Return the user if the password is right and the user is enabled."""
        record = self.store.cred_get("user", name) if NAME.match(name) else {}
        try:
            _hasher.verify(record.get("hash", _DUMMY), password)
        except (VerificationError, InvalidHashError):
            return None
        user = _user_from(name, record) if record else None
        return user if user and not user.disabled else None

    def ensure_admin(self, password: str) -> bool:
        """Make sure `admin` exists with this password; return True if it was created.

        A disabled admin stays disabled: a restart never undoes an administrator's decision.
        """
        user = self.user("admin")
        if user is None:
            self.add_user("admin", password, "admin")
            return True
        if not user.disabled and self.check_password("admin", password) is None:
            self.set_password("admin", password)  # unchanged password: sessions carry on
        return False

    # -- sessions ---------------------------------------------------------------------------
    def open_session(self, user: User, ttl_s: int) -> str:
        """Record a login; the browser's cookie holds only this id, logout deletes it."""
        sid = secrets.token_urlsafe(24)
        self.store.cred_put("session", sid, {"user": user.name, "version": str(user.version),
                                             "at": _now()}, ttl_s=ttl_s)
        return sid

    def session_principal(self, sid: str, expires: float) -> Principal | None:
        """Return who a session id stands for, if the session and the user still stand."""
        r = self.store.cred_get("session", sid) if sid else {}
        user = self.user(r.get("user", "")) if r else None
        if user is None or user.disabled or str(user.version) != r.get("version"):
            return None
        return Principal("user", user.name, user.role, user.clearance,
                         credential=f"session:{sid}", expires=expires)

    def close_session(self, sid: str) -> None:
        """Log a session out everywhere it is used (HTTP and sockets)."""
        self.store.cred_delete("session", sid)

    def _require(self, name: str) -> User:
        user = self.user(name)
        if user is None:
            raise AccountError(f"no user {name!r}")
        return user

    # -- tokens -----------------------------------------------------------------------------
    def issue_user_token(self, name: str) -> str:
        """Issue an API token that acts as the user (Authorization: Bearer).

        It ends when the user's password changes or the user is disabled (even if re-enabled).
        """
        user = self._require(name)
        return self._issue("wu", {"type": "user", "name": name, "version": str(user.version)})

    def revoke_user_tokens(self, name: str) -> int:
        """Revoke every API token of a user; return how many there were."""
        found = [h for h in self.store.cred_ids("token")
                 if (r := self.store.cred_get("token", h)).get("type") == "user"
                 and r.get("name") == name]
        return sum(self.store.cred_delete("token", h) for h in found)

    def issue_screen_token(self, screen_id: str, clearance: str) -> str:
        """Issue a screen's device token, replacing (revoking) the one it had."""
        if clearance not in CLEARANCES:
            raise AccountError(f"clearance must be one of {CLEARANCES}")
        self.revoke_screen_token(screen_id)
        raw = self._issue("ws", {"type": "screen", "name": screen_id, "clearance": clearance})
        self.store.cred_put("screen", screen_id, {"token": token_hash(raw), "at": _now()})
        return raw

    def revoke_screen_token(self, screen_id: str) -> bool:
        """Revoke a screen's token and tell the relays, which blank it at once; return whether
        it had one."""
        current = self.store.cred_get("screen", screen_id).get("token")
        self.store.cred_delete("screen", screen_id)
        found = bool(current) and self.store.cred_delete("token", current)
        if found:
            self.store.set_screen(screen_id, {"screens": [screen_id], "action": "revoked"})
        return found

    def issue_feed_key(self, source: str, indicators: list[str], areas: list[str],
                       raw: str | None = None) -> str:
        """Issue an ingest key for one source, limited to indicator and area patterns."""
        if not indicators or not areas:
            raise AccountError("a feed key names the indicators and areas it may write")
        if raw is not None and len(raw) < 24:
            raise AccountError("a feed key given from the environment must be 24+ characters")
        return self._issue("wk", {"type": "feed", "name": source,
                                  "indicators": ",".join(indicators), "areas": ",".join(areas)},
                           raw=raw)

    def feed_keys(self) -> list[dict[str, str]]:
        """Return every feed key's record (hash prefix, source, scope), never the key."""
        rows = []
        for h in self.store.cred_ids("token"):
            r = self.store.cred_get("token", h)
            if r.get("type") == "feed":
                rows.append({"id": h[:12], **{k: v for k, v in r.items() if k != "type"}})
        return rows

    def revoke_token(self, raw_or_id: str) -> bool:
        """Revoke a token given as itself or as the id prefix `feed_keys` lists."""
        full = token_hash(raw_or_id)
        if self.store.cred_delete("token", full):
            return True
        found = [h for h in self.store.cred_ids("token") if h.startswith(raw_or_id)]
        return len(found) == 1 and len(raw_or_id) >= 8 and \
            self.store.cred_delete("token", found[0])

    def issue_export_token(self, p: Principal) -> str:
        """Issue a short-lived token for an export's headless browser, with the caller's rights."""
        user = self._require(p.name)
        return self._issue("we", {"type": "export", "name": p.who, "user": p.name,
                                  "version": str(user.version), "role": p.role,
                                  "clearance": p.clearance}, ttl_s=EXPORT_TTL_S)

    def resolve(self, raw: str) -> Principal | None:
        """Return the principal a token stands for, or None if it is unknown or revoked."""
        if not raw or len(raw) > 200:
            return None
        return self.token_principal(token_hash(raw))

    def token_principal(self, h: str) -> Principal | None:
        """Return the principal of a token hash, if the token and whoever it acts for stand."""
        r = self.store.cred_get("token", h)
        kind, name, cred = r.get("type"), r.get("name", ""), f"token:{h}"
        if kind in ("user", "export"):
            user = self.user(r.get("user", name))
            if user is None or user.disabled or r.get("version") != str(user.version):
                return None
            if kind == "user":
                return Principal("user", name, user.role, user.clearance, credential=cred)
            return Principal("export", name, r.get("role", ""), r.get("clearance", "public"),
                             credential=cred)
        if kind == "screen":
            return Principal("screen", name, "", r.get("clearance", "public"), screen=name,
                             credential=cred)
        if kind == "feed":
            return Principal("feed", name, "", "public", source=name,
                             indicators=tuple(r["indicators"].split(",")),
                             areas=tuple(r["areas"].split(",")), credential=cred)
        return None

    def still_valid(self, p: Principal) -> bool:
        """Whether a principal's credential still stands (not revoked, disabled or expired)."""
        if p.expires and time.time() > p.expires:
            return False
        what, _, rest = p.credential.partition(":")
        if what == "token":
            return self.token_principal(rest) is not None
        if what == "session":
            return self.session_principal(rest, p.expires) is not None
        return False  # a command line's password login is never kept open

    def _issue(self, prefix: str, fields: dict[str, str], ttl_s: int | None = None,
               raw: str | None = None) -> str:
        raw = raw or f"{prefix}_{secrets.token_urlsafe(32)}"
        self.store.cred_put("token", token_hash(raw), {**fields, "created": _now()}, ttl_s=ttl_s)
        return raw


def _user_from(name: str, r: dict[str, str]) -> User:
    return User(name, r.get("role", "viewer"), r.get("clearance", "public"),
                r.get("disabled") == "1", int(r.get("version", "1")), r.get("created", ""))


def _hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
