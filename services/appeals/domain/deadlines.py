"""Working-day arithmetic on a holiday calendar kept as data, and the legal time limits built on it."""
from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Collection

ANSWER_WORKING_DAYS = 15      # Art. 76: an appeal is considered within 15 working days of receipt
REMINDER_WORKING_DAYS = 3     # the institution is reminded 3 working days before its deadline
REDIRECT_WORKING_DAYS = 3     # a misrouted appeal is forwarded within 3 working days
DISPUTE_WORKING_DAYS = 10     # the citizen may dispute an answer within 10 working days
MAX_EXTENSION_MONTHS = 2      # an extension is for no more than two months


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: Collection[date]) -> date:
    """The date `days` working days after `start` (`start` itself does not count)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current, holidays):
            remaining -= 1
    return current


def subtract_working_days(end: date, days: int, holidays: Collection[date]) -> date:
    """The working day that lies `days` working days before `end`."""
    current = end
    remaining = days
    while remaining > 0:
        current -= timedelta(days=1)
        if is_working_day(current, holidays):
            remaining -= 1
    return current


def working_days_between(start: date, end: date, holidays: Collection[date]) -> int:
    """Working days in (start, end]; 0 when end <= start."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current, holidays):
            count += 1
    return count


def answer_deadline(registered: date, holidays: Collection[date]) -> date:
    return add_working_days(registered, ANSWER_WORKING_DAYS, holidays)


def reminder_date(deadline: date, holidays: Collection[date]) -> date:
    return subtract_working_days(deadline, REMINDER_WORKING_DAYS, holidays)


def is_overdue(deadline: date, today: date) -> bool:
    return today > deadline


def redirect_is_timely(registered: date, today: date, holidays: Collection[date]) -> bool:
    return today <= add_working_days(registered, REDIRECT_WORKING_DAYS, holidays)


def dispute_open(answered_on: date, today: date, holidays: Collection[date]) -> bool:
    return today <= add_working_days(answered_on, DISPUTE_WORKING_DAYS, holidays)


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_extension(deadline: date) -> date:
    return add_months(deadline, MAX_EXTENSION_MONTHS)


class ExtensionOutOfRange(ValueError):
    pass


def check_extension_date(current_deadline: date, until: date) -> None:
    if until <= current_deadline:
        raise ExtensionOutOfRange("the new deadline must be after the current one")
    if until > latest_extension(current_deadline):
        raise ExtensionOutOfRange(f"an extension may not go beyond {latest_extension(current_deadline).isoformat()}")
