"""Working-day arithmetic on a holiday calendar (property-based), and the legal time limits built on it."""
from datetime import date, timedelta

from hypothesis import given, settings, strategies as st

from services.appeals.domain import deadlines
from services.appeals.domain.holidays import days_off

CALENDAR = {day for year in range(2024, 2032) for day in days_off(year)}
days = st.dates(min_value=date(2025, 1, 1), max_value=date(2029, 12, 31))
holiday_sets = st.sets(st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)), max_size=60)
counts = st.integers(min_value=0, max_value=60)


@settings(max_examples=300, deadline=None)
@given(days, counts, holiday_sets)
def test_adding_n_working_days_crosses_exactly_n_working_days(start, n, holidays):
    end = deadlines.add_working_days(start, n, holidays)
    assert deadlines.working_days_between(start, end, holidays) == n
    if n:
        assert deadlines.is_working_day(end, holidays)


@settings(deadline=None)  # a busy shared machine must not fail a property
@given(days, counts, holiday_sets)
def test_the_result_never_moves_backwards_and_grows_with_n(start, n, holidays):
    assert deadlines.add_working_days(start, n, holidays) >= start
    assert deadlines.add_working_days(start, n + 1, holidays) > deadlines.add_working_days(start, n, holidays)


@settings(deadline=None)  # a busy shared machine must not fail a property
@given(days, st.integers(min_value=1, max_value=40), holiday_sets)
def test_subtracting_undoes_adding_from_a_working_day(start, n, holidays):
    if not deadlines.is_working_day(start, holidays):
        return
    assert deadlines.subtract_working_days(deadlines.add_working_days(start, n, holidays), n, holidays) == start


@settings(deadline=None)  # a busy shared machine must not fail a property
@given(days, counts)
def test_more_holidays_never_bring_a_deadline_earlier(start, n):
    assert deadlines.add_working_days(start, n, CALENDAR) >= deadlines.add_working_days(start, n, set())


@settings(deadline=None)  # a busy shared machine must not fail a property
@given(days)
def test_the_reminder_is_three_working_days_before_the_deadline(registered):
    deadline = deadlines.answer_deadline(registered, CALENDAR)
    reminder = deadlines.reminder_date(deadline, CALENDAR)
    assert deadlines.working_days_between(reminder, deadline, CALENDAR) == 3
    assert registered < reminder < deadline


@settings(deadline=None)  # a busy shared machine must not fail a property
@given(days, st.integers(min_value=1, max_value=70))
def test_an_extension_may_reach_two_months_and_no_further(deadline, extra_days):
    until = deadline + timedelta(days=extra_days)
    fits = until <= deadlines.add_months(deadline, 2)
    try:
        deadlines.check_extension_date(deadline, until)
        assert fits
    except deadlines.ExtensionOutOfRange:
        assert not fits


def test_fifteen_working_days_skip_weekends_and_nauryz():
    # Registered Friday 13 March 2026: Nauryz (Mon 23 March + Tue 24, Wed 25 carried over) costs 3 working days.
    assert deadlines.answer_deadline(date(2026, 3, 13), CALENDAR) == date(2026, 4, 8)
    assert deadlines.answer_deadline(date(2026, 3, 13), set()) == date(2026, 4, 3)


def test_a_month_end_extension_clamps_to_the_shorter_month():
    assert deadlines.add_months(date(2026, 12, 31), 2) == date(2027, 2, 28)


def test_the_dispute_window_is_ten_working_days():
    answered = date(2026, 11, 2)  # a Monday
    assert deadlines.dispute_open(answered, date(2026, 11, 16), set())
    assert not deadlines.dispute_open(answered, date(2026, 11, 17), set())


def test_holidays_on_a_weekend_carry_over_to_the_next_working_day():
    off = days_off(2026)
    assert date(2026, 3, 8) in off and date(2026, 3, 9) in off          # Sunday -> Monday
    assert {date(2026, 3, 24), date(2026, 3, 25)} <= set(off)            # Nauryz Sat/Sun -> Tue, Wed
    assert date(2026, 1, 7) in off and len([d for d in off if d.month == 1]) == 3  # Christmas is not carried
