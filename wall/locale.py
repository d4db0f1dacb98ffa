"""Vietnamese number and time formats, with the wall's time zone set explicitly."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

__all__ = ["TZ", "format_number", "format_time"]

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def format_number(value: float, decimals: int = 0) -> str:
    """Format as vi-VN: `.` groups thousands, `,` marks decimals, `−` for negatives."""
    text = f"{abs(value):,.{decimals}f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return ("−" if value < 0 and float(text.replace(".", "").replace(",", ".")) else "") + text


def format_time(moment: datetime) -> str:
    """Format an aware time in Asia/Ho_Chi_Minh as `HH:MM:SS DD/MM/YYYY`."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the wall never guesses a time zone")
    return moment.astimezone(TZ).strftime("%H:%M:%S %d/%m/%Y")
