"""How a dead-letter record's headers and value become what operators see."""
import json
from types import SimpleNamespace

from services.common.deadletters import DLQ_TOPICS, DeadLetter, count_by_topic


def record(value: bytes, **headers) -> SimpleNamespace:
    return SimpleNamespace(topic="appeals.appeals.dlq", partition=1, offset=42, key=b"appeal-1", value=value,
                           headers=[(k.replace("_", "-"), v.encode()) for k, v in headers.items()])


def test_a_dead_letter_carries_its_error_origin_group_and_event_identity():
    event = {"id": "e-1", "type": "kz.ashyq.appeals.appeal_submitted.v1", "data": {}}
    letter = DeadLetter.from_record(record(json.dumps(event).encode(), x_error="ValueError: bad", x_original_topic=
                                           "appeals.appeals", x_original_partition="1", x_original_offset="7",
                                           x_consumer_group="notify", x_attempts="5",
                                           x_failed_at="2026-11-26T04:00:00+00:00"))
    assert letter.as_dict() == {
        "topic": "appeals.appeals.dlq", "partition": 1, "offset": 42, "key": "appeal-1", "error": "ValueError: bad",
        "original_topic": "appeals.appeals", "original_partition": 1, "original_offset": 7,
        "consumer_group": "notify", "failed_at": "2026-11-26T04:00:00+00:00", "attempts": 5, "event_id": "e-1",
        "event_type": "kz.ashyq.appeals.appeal_submitted.v1", "replayed_at": None}


def test_a_record_that_is_not_json_or_lacks_headers_is_still_listed():
    letter = DeadLetter.from_record(record(b"\xff not json", x_original_partition="x"))
    assert (letter.event_id, letter.event_type, letter.error, letter.original_partition) == (None, None, "", None)


def test_dead_letters_are_counted_by_topic():
    letters = [SimpleNamespace(topic=t) for t in ("a.dlq", "b.dlq", "a.dlq")]
    assert count_by_topic(letters) == {"a.dlq": 2, "b.dlq": 1}


def test_every_topic_has_its_dead_letter_topic_and_only_those_are_read():
    assert "appeals.appeals.dlq" in DLQ_TOPICS and "notify.notifications.dlq" in DLQ_TOPICS
    assert all(t.endswith(".dlq") for t in DLQ_TOPICS)
