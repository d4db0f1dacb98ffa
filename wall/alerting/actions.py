"""What an operator does to an alert — acknowledge, assign to an agency, resolve — the same
from the API and the console, each recorded in the audit stream with who, when and where."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from wall.store import Store

__all__ = ["ACTIONS", "AlertActionError", "act"]

ACTIONS = ("ack", "assign", "resolve")


class AlertActionError(ValueError):
    """An action that cannot be taken (unknown action, no agency to assign to, no such alert)."""


def act(store: Store, alert_id: str, action: str, who: str, where: str = "", note: str = "",
        agency: str = "") -> dict[str, Any]:
    """Take `action` on an open or acknowledged alert, audit it, and return the alert."""
    found = store.alert(alert_id)
    if found is None:
        raise AlertActionError(f"no open or acknowledged alert {alert_id}")
    note = note[:2000] or found.get("note", "")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    if action == "ack":
        fields = {"state": "acknowledged", "acknowledged_by": who, "acknowledged_at": now}
    elif action == "assign" and agency:
        fields = {"assigned_to": agency[:200], "assigned_by": who, "assigned_at": now}
    elif action == "resolve":
        fields = {"state": "resolved", "resolved_by": who, "resolved_at": now}
    else:
        raise AlertActionError("action is ack, assign (with agency) or resolve")
    changed = store.update_alert(alert_id, **fields, note=note)
    store.audit(who, f"alert.{action}", {"alert": alert_id, "note": note, "agency": agency or None,
                                         "rule": found.get("rule")}, where)
    assert changed is not None
    return changed
