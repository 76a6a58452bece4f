"""Reading MinIO's own bucket notifications (not CloudEvents) and appeals' CloudEvents off Kafka."""
import json

import pytest

from services.common.events import InvalidEvent, make_event
from services.media import events


def minio_notification(key: str, name: str = "s3:ObjectCreated:Put") -> bytes:
    return json.dumps({"EventName": name, "Key": f"media-quarantine/{key}", "Records": [{
        "eventVersion": "2.0", "eventSource": "minio:s3", "eventName": name,
        "s3": {"bucket": {"name": "media-quarantine"},
               "object": {"key": key.replace("/", "%2F"), "size": 1234, "eTag": "abc", "sequencer": "17F0"}}}]}).encode()


def test_an_object_created_notification_becomes_an_event_with_the_bucket_and_key():
    event = events.parse_record(minio_notification("presigned/5b0c0b9e-1111-4222-8333-944444444444"))
    assert event["type"] == events.MINIO_OBJECT_CREATED
    assert event["data"] == {"bucket": "media-quarantine", "key": "presigned/5b0c0b9e-1111-4222-8333-944444444444",
                             "size": 1234}
    assert event["id"].startswith("minio:media-quarantine/presigned/")


def test_other_notifications_are_told_apart_and_garbage_is_invalid():
    assert events.parse_record(minio_notification("presigned/x", "s3:ObjectRemoved:Delete"))["type"] == events.MINIO_OTHER
    with pytest.raises(InvalidEvent):
        events.parse_record(b"not json")
    with pytest.raises(InvalidEvent):
        events.parse_record(json.dumps({"EventName": "s3:ObjectCreated:Put", "Records": []}).encode())


def test_appeals_cloudevents_pass_through_and_their_data_is_read_tolerantly():
    cloud = make_event(type=events.APPEAL_SUBMITTED, source="/ashyq/appeals", subject="a1",
                       data={"appeal_id": "a1", "institution_id": "school-7", "media_ids": ["m1"], "ticket": "T",
                             "applicant": {"name": "x", "email": "y"}})
    event = events.parse_record(json.dumps(cloud).encode())
    assert event["type"] == events.APPEAL_SUBMITTED
    assert events.AppealWithMedia().load(event["data"]) == {"appeal_id": "a1", "institution_id": "school-7",
                                                            "media_ids": ["m1"]}
