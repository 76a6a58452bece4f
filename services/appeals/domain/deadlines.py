"""Working-day arithmetic on a holiday calendar kept as data."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Collection

ANSWER_WORKING_DAYS = 15


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: Collection[date]) -> date:
    """The date `days` working days after `start` (the day of registration itself does not count)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current, holidays):
            remaining -= 1
    return current


def answer_deadline(registered: date, holidays: Collection[date]) -> date:
    return add_working_days(registered, ANSWER_WORKING_DAYS, holidays)
