"""Operator commands on the configured Redis: import a report, list feeds, inspect quarantine."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from wall.access import Guard, Scope
from wall.config import WallSettings
from wall.observation import Observation, ObservationError, check_begun, parse_observation
from wall.store import Store

__all__ = ["cmd_feeds_list", "cmd_import", "cmd_quarantine"]


def cmd_import(store: Store, settings: WallSettings, path: Path, regime: str | None,
               clearance: str = "restricted") -> int:
    """Import a CSV, XLSX or SDMX file within a clearance; print rows accepted and quarantined."""
    from data_feeds.report_file import ingest_file

    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 2

    def progress(n: int) -> None:
        print(f"\r… {n:,} dòng / rows".replace(",", "."), end="", file=sys.stderr, flush=True)

    guard = Guard(settings.catalogue)
    try:
        result = ingest_file(store, settings, path, f"import:{path.name}", regime, progress,
                             allow=lambda ind, _: guard.writable(clearance, ind))
    except PermissionError as exc:
        print(f"\nlỗi / refused: {exc}", file=sys.stderr)
        return 3
    print(file=sys.stderr)
    print(json.dumps({"file": path.name, "accepted": result.accepted,
                      "quarantined": result.quarantined}, ensure_ascii=False))
    return 0


def cmd_feeds_list(store: Store, settings: WallSettings, as_json: bool) -> int:
    """Print each configured feed: id, kind, owner, simulated or real, and its health."""
    health = store.feeds_health()
    rows = [{"id": f.id, "kind": f.kind, "owner": f.owner, "name_vi": f.name_vi,
             "simulated": f.simulated, "health": health.get(f.id, {"state": "never_run"})}
            for f in settings.feeds.feeds]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            label = "mô phỏng/simulated" if r["simulated"] else "thật/real"
            print(f"{r['id']:<28} {r['kind']:<14} {r['health'].get('state', '?'):<10} "
                  f"{label:<18} {r['owner']}")
    return 0


def _replay_one(entry: dict[str, str], settings: WallSettings) -> Any:
    raw = json.loads(entry["raw"])
    if entry.get("kind") == "report_row":
        from data_feeds.report_file import row_item

        item = row_item(0, raw, settings.catalogue, entry["source"], None, entry.get("at", ""))
        return check_begun(item) if isinstance(item, Observation) else item
    return check_begun(parse_observation(raw).received_now())  # as the ingest path checks


def _redactor(guard: Guard, clearance: str) -> Any:
    """Return a test: does a quarantined entry name an indicator this clearance may not see?"""

    def restricted(entry: dict[str, str]) -> bool:
        return guard.redact(clearance, entry.get("raw", "")) or \
            guard.redact(clearance, entry.get("reason", ""))

    return restricted


def _refusal(entry: dict[str, str], item: Observation, guard: Guard, clearance: str) -> str:
    """Why a replayed record may not be stored by this operator ('' when it may)."""
    scope = Scope.from_json(entry.get("scope", ""))
    if scope is not None and not scope.allows(item.indicator, item.area):
        return "outside the scope of the key that sent it"
    if not guard.permits(clearance, item.indicator):
        return "not cleared for this record"
    return ""


def cmd_quarantine(store: Store, settings: WallSettings, action: str, ids: list[str],
                   count: int, clearance: str = "restricted") -> int:
    """`list` newest records, `show ID`, or `replay ID…|all` after a fix (within clearance)."""
    from data_feeds.base import Rejected

    guard = Guard(settings.catalogue)
    restricted = _redactor(guard, clearance)
    if action == "list":
        for e in store.quarantined(count):
            reason = "(hạn chế / restricted)" if restricted(e) else e["reason"]
            print(f"{e['id']}  {e['at']}  {e['source']:<20} {reason}")
        print(f"{store.quarantine_count()} in quarantine", file=sys.stderr)
        return 0
    if action == "show":
        entries = [store.quarantined_entry(i) for i in ids]
        print(json.dumps([{**e, "raw": "(hạn chế / restricted)", "reason": "(hạn chế)"}
                          if restricted(e) else e for e in entries if e],
                         ensure_ascii=False, indent=2))
        return 0 if all(entries) else 1
    targets = store.quarantined_all() if ids == ["all"] else (  # all of it, page by page
        e for e in (store.quarantined_entry(i) for i in ids) if e)
    stored = kept = 0
    for entry in targets:
        if restricted(entry):
            kept += 1
            print(f"{entry['id']}: not cleared for this record")
            continue
        if entry.get("kind") not in ("record", "report_row"):
            kept += 1
            print(f"{entry['id']}: {entry.get('kind')} entries are not replayed: fix the source "
                  "and import it again")
            continue
        try:
            item = _replay_one(entry, settings)
        except (ValueError, ObservationError) as exc:
            item = Rejected(str(exc), entry["raw"])
        if isinstance(item, Rejected):
            kept += 1
            print(f"{entry['id']}: still rejected: {item.reason}")
            continue
        why = _refusal(entry, item, guard, clearance)
        if why:
            kept += 1
            print(f"{entry['id']}: {why}")
            continue
        store.write([item])
        store.release(entry["id"])
        stored += 1
    print(json.dumps({"replayed": stored, "still_rejected": kept}))
    return 0
