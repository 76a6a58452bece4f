"""CloudEvents envelopes: what we write can be read back; what is not one is refused, not retried."""
import json

import pytest

from services.common.events import InvalidEvent, encode_event, event_type, make_event, parse_event


def test_an_event_round_trips_through_its_encoding():
    event = make_event(type=event_type("appeals", "appeal_submitted"), source="/ashyq/appeals",
                       subject="a-1", data={"appeal_id": "a-1", "text": "Мектеп шатыры"})
    parsed = parse_event(encode_event(event))
    assert parsed["type"] == "kz.ashyq.appeals.appeal_submitted.v1"
    assert parsed["specversion"] == "1.0"
    assert parsed["data"]["text"] == "Мектеп шатыры"


def test_unknown_envelope_attributes_are_tolerated():
    event = make_event(type="kz.ashyq.budget.budget_updated.v1", source="/x", subject="s", data={})
    event["someextension"] = "future"
    assert parse_event(json.dumps(event).encode())["id"] == event["id"]


@pytest.mark.parametrize("raw", [b"not json", b"[]", b"{}", json.dumps({"specversion": "0.3", "id": "1",
                                  "source": "/x", "type": "a.v1", "data": {}}).encode()])
def test_what_is_not_a_cloudevent_is_invalid(raw):
    with pytest.raises(InvalidEvent):
        parse_event(raw)
