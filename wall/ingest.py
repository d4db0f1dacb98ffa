"""The one ingestion path: what a feed polls, a file imports, or the HTTP API receives ends here.

Good observations are stored (in chunks, one round trip each), bad records are quarantined with
their reason and raw payload, report submissions are recorded with their on-time state, camera
snapshots and direction tasks are kept, and the source's health is counted. The store publishes
what changed on the events channel, where the relay and the alert engine pick it up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from data_feeds.base import Rejected, Snapshot, Submission
from wall import report_status
from wall.config import WallSettings, load_settings
from wall.observation import Observation, ObservationError, check_begun, parse_observation
from wall.store import Store
from wall.tasks import Task

__all__ = ["Delivered", "deliver", "ingest_records", "observation_now"]

WRITE_CHUNK = 2000
Item = Observation | Rejected | Submission | Snapshot | Task


@dataclass
class Delivered:
    """What one delivery stored and quarantined."""

    accepted: int = 0
    quarantined: int = 0
    tasks: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)


def deliver(store: Store, source: str, items: Iterable[Item], *,
            settings: WallSettings | None = None, scope: str = "",
            uncounted: int = 0, series_cap: int | None = None) -> Delivered:
    """Store, quarantine and record one source's items; count them in its health.

    `scope`: the sending key's scope, kept with each reject for its replay. `uncounted`: stored
    observations the source did not send (values computed from its rows), left out of health.
    `series_cap`: how many distinct series the source may ever write (a scoped key's limit);
    observations of series beyond it are quarantined.
    """
    good: list[Observation] = []
    receipts: list[Submission] = []
    rejects: list[tuple[str, Any, str]] = []
    out = Delivered()
    now = datetime.now(UTC)
    for item in list(items):  # a source failing mid-way stores nothing of that poll
        if isinstance(item, Observation):
            try:
                good.append(check_begun(item, now))
            except ObservationError as exc:
                rejects.append((str(exc), item.to_dict(), "record"))
        elif isinstance(item, Rejected):
            rejects.append((item.reason, item.raw, item.kind))
        elif isinstance(item, Submission):
            receipts.append(item)
        elif isinstance(item, Snapshot):
            store.save_snapshot(item.target, item.content_type, item.data, item.at)
        elif isinstance(item, Task):
            store.put_task(item.model_dump(mode="json"))
            out.tasks += 1
    if series_cap is not None and good:
        refused = store.admit_series(source, (o.key for o in good), series_cap)
        if refused:
            why = (f"series: this source may write at most {series_cap:,} distinct series; "
                   "ask an administrator to raise WALL_SERIES_PER_KEY")
            rejects += [(why, o.to_dict(), "record") for o in good if o.key in refused]
            good = [o for o in good if o.key not in refused]
    for start in range(0, len(rejects), WRITE_CHUNK):
        store.quarantine_many(source, rejects[start:start + WRITE_CHUNK], scope)
    out.quarantined = len(rejects)
    if len(good) > WRITE_CHUNK:  # the next chunk is packed while Redis stores the one before
        store.write_many(good[start:start + WRITE_CHUNK]
                         for start in range(0, len(good), WRITE_CHUNK))
    else:
        store.write(good)
    for receipt in receipts:  # stored, and its on-time/late state pushed to the compliance panel
        report_status.record(store, settings or load_settings(), receipt)
    out.accepted = len(good) - uncounted
    store.record_health(source, ok=True, accepted=out.accepted + out.tasks,
                        rejected=out.quarantined)
    return out


def observation_now(record: Any) -> Observation:
    """Parse one API record as an observation received now, for a period that has begun
    (raises ObservationError)."""
    return check_begun(parse_observation(record).received_now())


def ingest_records(store: Store, source: str, records: Iterable[Any], scope: str = "",
                   parse: Callable[[Any], Item] = observation_now,
                   kind: str = "record", series_cap: int | None = None) -> dict[str, Any]:
    """Parse raw API records (observations, or tasks with `parse`), then deliver them; return
    the counts and each reject's index and reason (quarantined under `kind`)."""
    items: list[Item] = []
    rejected: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        try:
            items.append(parse(record))
        except ValueError as exc:
            rejected.append({"index": index, "field": getattr(exc, "field", None),
                             "reason": str(exc)})
            items.append(Rejected(str(exc), record, kind=kind))
    done = deliver(store, source, items, scope=scope, series_cap=series_cap)
    return {"accepted": done.accepted + done.tasks, "quarantined": done.quarantined,
            "rejected": rejected}
