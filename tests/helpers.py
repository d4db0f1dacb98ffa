"""Small builders shared by tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from dash.development.base_component import Component

from wall.accounts import Accounts
from wall.observation import Observation, parse_observation
from wall.store import Store


def record(**overrides: Any) -> dict[str, Any]:
    """Return a valid observation record, with fields overridden."""
    base: dict[str, Any] = {
        "indicator": "EXPORTS_M", "area": "VN", "period": "2026-10", "value": 41234.5,
        "unit": "million USD", "source": "test", "observed_at": datetime.now(UTC).isoformat(),
        "status": "ok", "revision": 0,
    }
    base.update(overrides)
    return base


def obs(**overrides: Any) -> Observation:
    """Return a valid Observation, with fields overridden."""
    return parse_observation(record(**overrides))


PASSWORD = "correct horse battery staple"


def user_token(store: Store, role: str, clearance: str | None = None) -> str:
    """Create a user with `role` (named after it, once) and return a fresh API token for it."""
    accounts = Accounts(store)
    name = f"{role}-{clearance or 'default'}"
    if accounts.user(name) is None:
        accounts.add_user(name, PASSWORD, role, clearance)
    return accounts.issue_user_token(name)


def bearer(store: Store, role: str = "admin", clearance: str | None = None) -> dict[str, str]:
    """Return the Authorization header of a fresh token for a user with `role`."""
    return {"Authorization": f"Bearer {user_token(store, role, clearance)}"}


def walk(node: Any) -> list[Component]:
    """Return every Dash component in a layout tree, depth first."""
    if isinstance(node, list | tuple):
        return [c for n in node for c in walk(n)]
    if not isinstance(node, Component):
        return []
    return [node, *walk(getattr(node, "children", None))]


def wait_for(cond: Callable[[], Any], what: str, timeout: float = 120) -> None:
    """Wait until `cond()` is true (readiness, not a timing budget); fail after `timeout`."""
    import time

    import pytest

    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def gone(pid: int) -> bool:
    """Whether process `pid` has ended (a zombie not yet reaped counts as ended)."""
    import psutil

    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
