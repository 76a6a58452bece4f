"""Who is told what, in which language, and when a failed send is tried again."""
from datetime import datetime, timedelta, timezone

from services.notify.domain.delivery import MAX_ATTEMPTS, is_permanent_smtp_code, next_attempt_at
from services.notify.domain.emails import (ANSWERED, DEADLINE_APPROACHING, OVERDUE, STATUS_CHANGED, SUBMITTED,
                                           emails_for, is_plausible_address, language_for, priority_of)


def told(event, to_status=None):
    return [(p.recipient_kind, p.template) for p in emails_for(event, to_status)]


def test_a_new_appeal_tells_the_institution_and_confirms_to_the_citizen():
    assert told(SUBMITTED) == [("institution", "appeal_submitted_institution"), ("citizen", "appeal_submitted_citizen")]


def test_the_citizen_hears_of_every_status_change_they_care_about():
    for status in ("delivered", "in_progress", "extended", "closed", "rejected"):
        assert told(STATUS_CHANGED, status) == [("citizen", f"status_{status}_citizen")]


def test_a_redirect_tells_the_new_institution_and_the_citizen():
    assert told(STATUS_CHANGED, "redirected") == [("institution", "appeal_redirected_institution"),
                                                   ("citizen", "status_redirected_citizen")]


def test_answered_is_told_once_by_the_answered_event_and_operator_statuses_tell_nobody():
    assert told(ANSWERED) == [("citizen", "appeal_answered_citizen")]
    for status in ("answered", "disputed", "escalated", "submitted", "something_new"):
        assert told(STATUS_CHANGED, status) == []


def test_deadlines_go_to_the_institution_and_overdue_also_to_the_authorised_body():
    assert told(DEADLINE_APPROACHING) == [("institution", "deadline_reminder_institution")]
    assert told(OVERDUE) == [("institution", "appeal_overdue_institution"), ("operator", "appeal_overdue_operator")]


def test_citizens_read_their_language_kazakh_by_default_institutions_both():
    assert language_for("citizen", "ru") == "ru"
    assert language_for("citizen", "en") == "kk"
    assert language_for("citizen", None) == "kk"
    assert language_for("institution", "ru") == "kk+ru"
    assert language_for("operator", None) == "kk+ru"


def test_clearly_broken_addresses_are_caught_before_smtp():
    assert is_plausible_address("school-7@edu.akmola.kz")
    for bad in ("", "user@", "no-at-sign", "a@b@c.kz", "a b@x.kz", "<x>@kz.kz", "x@nodot"):
        assert not is_plausible_address(bad), bad


def test_backoff_doubles_from_five_seconds_caps_at_ten_minutes_and_gives_up():
    failed = datetime(2026, 11, 26, tzinfo=timezone.utc)
    assert next_attempt_at(failed, 1) == failed + timedelta(seconds=5)
    assert next_attempt_at(failed, 2) == failed + timedelta(seconds=10)
    assert next_attempt_at(failed, 7) == failed + timedelta(seconds=320)
    assert next_attempt_at(failed, MAX_ATTEMPTS) is None
    assert is_permanent_smtp_code(550) and is_permanent_smtp_code(553)
    assert not is_permanent_smtp_code(421) and not is_permanent_smtp_code(None)


def test_institutions_and_the_authorised_body_go_before_citizens_in_a_burst():
    assert priority_of("institution") == priority_of("operator") < priority_of("citizen")
