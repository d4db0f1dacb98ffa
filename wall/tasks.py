"""Direction tasks (nhiệm vụ Chính phủ, Thủ tướng Chính phủ giao): the record, its state on a
day, and the per-agency summary the direction panel and the alert engine read.

A task arrives as a row of a report file (data_feeds/report_file.py) or a JSON object on
`POST /api/v1/tasks`, from a key scoped to the assigning office (indicator `TASK`, area the
office's code). Its state is worked out on the day it is read, in Asia/Ho_Chi_Minh: done on
time, done late, overdue, or in progress (near due within `NEAR_DUE_DAYS`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = ["INDICATOR", "ISSUERS", "NEAR_DUE_DAYS", "SCOPE_INDICATOR", "STATE_VI",
           "AgencySummary", "Task", "TaskError", "kept", "parse_task", "state", "summarise"]

SCOPE_INDICATOR = "TASK"  # what a feed key's scope names to let it write tasks
INDICATOR = "TASK_OVERDUE"  # the tasks' classification (config/catalogue.d/direction.yaml)
NEAR_DUE_DAYS = 7
ISSUERS = {"CP": "Chính phủ", "TTg": "Thủ tướng Chính phủ", "PTTg": "Phó Thủ tướng Chính phủ",
           "VPCP": "Văn phòng Chính phủ"}
State = Literal["done_on_time", "done_late", "overdue", "near_due", "in_progress"]
STATE_VI: dict[str, str] = {
    "done_on_time": "Hoàn thành đúng hạn", "done_late": "Hoàn thành quá hạn",
    "overdue": "Quá hạn", "near_due": "Sắp đến hạn", "in_progress": "Đang thực hiện"}


class TaskError(ValueError):
    """A task record that cannot be kept as it is (the reason names the field)."""


class Task(BaseModel):
    """One assigned task: who assigned what to whom, by when, and how far it has come."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: str = Field(min_length=1, max_length=80, pattern=r"^[\w./\-]+$")
    title: str = Field(min_length=1, max_length=500)
    document: str = Field(min_length=1, max_length=200)
    issued_by: str
    agency: str = Field(min_length=1, max_length=20)
    issued_on: date
    due_on: date
    status: Literal["in_progress", "done"] = "in_progress"
    completed_on: date | None = None
    progress_note: str = Field(default="", max_length=2000)
    simulated: bool = False
    source: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Task:
        if self.issued_by not in ISSUERS:
            raise ValueError(f"issued_by must be one of {sorted(ISSUERS)}")
        if self.due_on < self.issued_on:
            raise ValueError("due_on is before issued_on")
        if self.status == "done" and self.completed_on is None:
            raise ValueError("a done task needs completed_on")
        if self.status != "done" and self.completed_on is not None:
            raise ValueError("completed_on given but status is not done")
        if self.completed_on is not None and self.completed_on < self.issued_on:
            raise ValueError("completed_on is before issued_on")
        return self


def parse_task(record: Any, agencies: Iterable[str], source: str = "") -> Task:
    """Validate one task record; raise TaskError with the field and reason."""
    if not isinstance(record, dict):
        raise TaskError("a task must be an object")
    known = set(agencies)
    try:
        task = Task.model_validate({**{k: v for k, v in record.items() if v not in ("", None)},
                                    "source": source or record.get("source", "")})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "task"
        raise TaskError(f"{where}: {first['msg']}") from None
    if task.agency not in known:
        raise TaskError(f"agency: {task.agency!r} is not a ministry or province of the "
                        "reporting units (config/regimes.yaml)")
    return task


def kept(records: Iterable[Any], agencies: Iterable[str]) -> list[Task]:
    """The stored task records that still validate (checked on the way in; one kept by an
    older version of the rules is left out rather than shown wrong)."""
    known = list(agencies)
    out = []
    for raw in records:
        try:
            out.append(parse_task(raw, known))
        except TaskError:
            continue
    return out


def state(task: Task, today: date) -> State:
    """The task's state on `today`."""
    if task.completed_on is not None:
        return "done_on_time" if task.completed_on <= task.due_on else "done_late"
    if today > task.due_on:
        return "overdue"
    if task.due_on - today <= timedelta(days=NEAR_DUE_DAYS):
        return "near_due"
    return "in_progress"


@dataclass
class AgencySummary:
    """One agency's tasks on a day: counts by state and its on-time rate."""

    agency: str
    total: int = 0
    overdue: int = 0
    near_due: int = 0
    open: int = 0
    done_on_time: int = 0
    done_late: int = 0

    @property
    def on_time_rate(self) -> float | None:
        """Share of tasks due by now that were done on time (None when none were due)."""
        due = self.done_on_time + self.done_late + self.overdue
        return self.done_on_time / due if due else None


def summarise(tasks: Iterable[Task], today: date) -> list[AgencySummary]:
    """Per-agency summaries, the most overdue first."""
    out: dict[str, AgencySummary] = {}
    for t in tasks:
        s = out.setdefault(t.agency, AgencySummary(t.agency))
        s.total += 1
        st = state(t, today)
        if st in ("overdue", "near_due", "done_on_time", "done_late"):
            setattr(s, st, getattr(s, st) + 1)
        if st in ("overdue", "near_due", "in_progress"):
            s.open += 1
    return sorted(out.values(), key=lambda s: (-s.overdue, -s.near_due, s.agency))
