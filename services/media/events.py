"""What media publishes (strict schemas) and consumes (tolerant schemas, `unknown=EXCLUDE`)."""
from __future__ import annotations

import json
from urllib.parse import unquote_plus

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from services.common.events import InvalidEvent, event_type, make_event, parse_event
from services.common.topics import MEDIA

SOURCE = "/ashyq/media"

MEDIA_STORED = event_type("media", "media_stored")
MEDIA_REJECTED = event_type("media", "media_rejected")

# Consumed
APPEAL_SUBMITTED = event_type("appeals", "appeal_submitted")
APPEAL_ANSWERED = event_type("appeals", "appeal_answered")
APPEAL_IGNORED = tuple(event_type("appeals", name) for name in (
    "appeal_status_changed", "appeal_deadline_approaching", "appeal_overdue"))
MINIO_OBJECT_CREATED = "minio.object_created"  # our name for MinIO's own (non-CloudEvents) notification
MINIO_OTHER = "minio.other"


class MediaStoredV1(Schema):
    class Meta:
        unknown = RAISE
    media_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["photo", "video"]))
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True, validate=validate.Length(equal=64))
    width = fields.Integer(required=True, allow_none=True)
    height = fields.Integer(required=True, allow_none=True)
    duration_seconds = fields.Float(required=True, allow_none=True)
    public_key = fields.String(required=True)
    thumbnail_key = fields.String(required=True)


class MediaRejectedV1(Schema):
    class Meta:
        unknown = RAISE
    media_id = fields.String(required=True)
    reason = fields.String(required=True)


def media_event(type_: str, schema: Schema, media_id: str, data: dict) -> tuple[str, str, dict]:
    """(topic, key, CloudEvent) for the outbox; the payload is validated against its schema first."""
    schema.load(data)
    return MEDIA, media_id, make_event(type=type_, source=SOURCE, subject=media_id, data=data)


class AppealWithMedia(Schema):
    """appeal_submitted / appeal_answered: only what attaching needs."""
    class Meta:
        unknown = EXCLUDE
    appeal_id = fields.String(required=True)
    institution_id = fields.String(required=True)
    media_ids = fields.List(fields.String(), load_default=list)


def parse_record(raw: bytes) -> dict:
    """CloudEvents from appeals, or MinIO's own bucket notification turned into the runner's event shape."""
    try:
        body = json.loads(raw)
    except (ValueError, TypeError) as exc:
        raise InvalidEvent(f"not JSON: {exc}") from exc
    if isinstance(body, dict) and "EventName" in body and "Records" in body:
        return minio_event(body)
    return parse_event(raw)


def minio_event(body: dict) -> dict:
    """MinIO's notification: {"EventName", "Key": "bucket/key", "Records": [{"s3": {...}}]}."""
    try:
        record = body["Records"][0]
        s3 = record["s3"]
        bucket = s3["bucket"]["name"]
        key = unquote_plus(s3["object"]["key"])
        identity = s3["object"].get("sequencer") or s3["object"].get("eTag") or ""
    except (KeyError, IndexError, TypeError) as exc:
        raise InvalidEvent(f"not a MinIO notification: {exc}") from exc
    created = str(body.get("EventName", "")).startswith("s3:ObjectCreated:")
    return {"id": f"minio:{bucket}/{key}:{identity}", "type": MINIO_OBJECT_CREATED if created else MINIO_OTHER,
            "requestid": None,
            "data": {"bucket": bucket, "key": key, "size": s3["object"].get("size")}}


# The event catalogue (docs/events.md) is generated from these two.
PUBLISHED = {MEDIA_STORED: (MEDIA, MediaStoredV1), MEDIA_REJECTED: (MEDIA, MediaRejectedV1)}
CONSUMED = (APPEAL_SUBMITTED, APPEAL_ANSWERED)
