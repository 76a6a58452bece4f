"""The days off of Kazakhstan as a seed for the holiday calendar (reference/appeals_law.md).

This is only the starting data: the calendar lives in the database and operators correct it
(yearly government decrees move days off; Kurban Ait follows the lunar calendar).
"""
from __future__ import annotations

from datetime import date, timedelta

# (month, day, name_ru, carried over to the next working day when on a weekend)
FIXED: list[tuple[int, int, str, bool]] = [
    (1, 1, "Новый год", True),
    (1, 2, "Новый год", True),
    (1, 7, "Православное Рождество", False),
    (3, 8, "Международный женский день", True),
    (3, 21, "Наурыз мейрамы", True),
    (3, 22, "Наурыз мейрамы", True),
    (3, 23, "Наурыз мейрамы", True),
    (5, 1, "Праздник единства народа Казахстана", True),
    (5, 7, "День защитника Отечества", True),
    (5, 9, "День Победы", True),
    (7, 6, "День Столицы", True),
    (8, 30, "День Конституции", True),
    (10, 25, "День Республики", True),
    (12, 16, "День Независимости", True),
]

# First day of Kurban Ait (moves each year; approximate, to be confirmed by operators).
KURBAN_AIT = {2025: date(2025, 6, 6), 2026: date(2026, 5, 27), 2027: date(2027, 5, 16),
              2028: date(2028, 5, 5), 2029: date(2029, 4, 24), 2030: date(2030, 4, 13)}


def days_off(year: int) -> dict[date, str]:
    """Holidays of `year` with the weekend carry-over rule applied."""
    result: dict[date, str] = {date(year, m, d): name for m, d, name, _ in FIXED}
    if year in KURBAN_AIT:
        result[KURBAN_AIT[year]] = "Курбан айт"
    for month, day, name, carried in FIXED:
        holiday = date(year, month, day)
        if not carried or holiday.weekday() < 5:
            continue
        substitute = holiday + timedelta(days=1)
        while substitute.weekday() >= 5 or substitute in result:
            substitute += timedelta(days=1)
        result[substitute] = f"{name} (перенос)"
    return result
