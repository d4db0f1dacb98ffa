"""SIMULATED direction tasks for the demo: no real task list of the Government is public.

Each task is marked `simulated` (the panel and its alerts say MÔ PHỎNG), its document number
says MÔ PHỎNG, and its dates are laid out around the day the feed started: some done on time or
late, some overdue, some near due, the rest under way. The same seed gives the same tasks, so a
poll repeats them (a task is kept by its number) and nothing grows.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field

from data_feeds.base import Feed, Rejected
from wall.locale import TZ
from wall.tasks import Task, TaskError, parse_task

__all__ = ["TaskSimFeed"]

SUBJECTS = (
    "Đẩy nhanh tiến độ giải ngân vốn đầu tư công",
    "Tháo gỡ vướng mắc về thủ tục đất đai cho các dự án chậm triển khai",
    "Hoàn thiện hồ sơ đề nghị xây dựng luật trình Chính phủ",
    "Báo cáo tình hình cung ứng xăng dầu và đề xuất giải pháp điều hành",
    "Triển khai kết nối dữ liệu dân cư phục vụ dịch vụ công trực tuyến",
    "Khắc phục hậu quả mưa lũ, ổn định đời sống nhân dân",
    "Rà soát, cắt giảm thủ tục hành chính và điều kiện kinh doanh",
    "Bảo đảm cung ứng điện cho sản xuất và sinh hoạt mùa khô",
    "Kiểm tra, xử lý ùn tắc hàng hóa tại cửa khẩu biên giới",
    "Đề xuất cơ chế thúc đẩy xuất khẩu nông sản chủ lực",
    "Báo cáo tiến độ xây dựng nhà ở xã hội",
    "Tổng kết thực hiện chương trình mục tiêu quốc gia giai đoạn trước",
)


class TaskSimSettings(BaseModel):
    """How many simulated tasks, from which seed."""

    count: int = Field(default=40, ge=1, le=500)
    seed: int = 2026


class TaskSimFeed(Feed):
    """Yield a fixed set of simulated direction tasks, dated around the day it started."""

    kind = "task_sim"
    Settings = TaskSimSettings

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.started = datetime.now(TZ).date()

    def _record(self, rng: random.Random, n: int, agencies: list[str]) -> dict[str, object]:
        due = self.started + timedelta(days=rng.randint(-75, 30))
        issued = due - timedelta(days=rng.choice((15, 30, 45, 60, 90)))
        finished: date | None = None
        if due < self.started and rng.random() < 0.8:  # most past-due tasks were done
            late = rng.random() < 0.25
            finished = due + timedelta(days=rng.randint(1, 10) if late else -rng.randint(0, 10))
            finished = max(min(finished, self.started), issued)
        elif due >= self.started and rng.random() < 0.2:  # a few done early
            finished = self.started - timedelta(days=rng.randint(0, 5))
            finished = max(finished, issued)
        done = finished is not None
        return {"number": f"{100 + n}/TB-VPCP-MP", "title": rng.choice(SUBJECTS),
                "document": f"Thông báo số {100 + n}/TB-VPCP (MÔ PHỎNG)",
                "issued_by": rng.choice(("TTg", "TTg", "PTTg", "CP")),
                "agency": rng.choice(agencies), "issued_on": issued.isoformat(),
                "due_on": due.isoformat(), "status": "done" if done else "in_progress",
                "completed_on": finished.isoformat() if finished else None,
                "progress_note": "" if done else rng.choice(("", "Đang tổng hợp ý kiến các bộ",
                                                             "Đã trình dự thảo lần 1")),
                "simulated": True}

    def poll(self) -> Iterable[Task | Rejected]:
        """The simulated tasks (the same ones at every poll)."""
        units = dict(self.wall.regimes.reporting_units) if self.wall else {}
        rng = random.Random(self.settings.seed)
        agencies = sorted(units)
        for n in range(self.settings.count):
            record = self._record(rng, n, agencies)
            try:
                yield parse_task(record, units, self.id)
            except TaskError as exc:
                yield Rejected(str(exc), record, kind="task")
