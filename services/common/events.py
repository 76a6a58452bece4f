"""CloudEvents 1.0 JSON envelopes: `kz.ashyq.<service>.<event>.v<N>`, keyed by the aggregate id.

Payload schemas live with the service that publishes them (strict) and, separately, with each
consumer (tolerant, `unknown=EXCLUDE`): no service imports another's code.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from .logs import current_request_id


def event_type(service: str, name: str, version: int = 1) -> str:
    return f"kz.ashyq.{service}.{name}.v{version}"


def make_event(*, type: str, source: str, subject: str, data: dict) -> dict:
    event = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source,
        "type": type,
        "subject": subject,
        "time": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "data": data,
    }
    request_id = current_request_id()
    if request_id:
        event["requestid"] = request_id  # CloudEvents extension: ties logs of all services together
    return event


class CloudEventSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    specversion = fields.String(required=True, validate=validate.Equal("1.0"))
    id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    source = fields.String(required=True)
    type = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_.]+\.v\d+$"))
    subject = fields.String(load_default=None)
    time = fields.String(load_default=None)
    datacontenttype = fields.String(load_default="application/json")
    requestid = fields.String(load_default=None)
    data = fields.Dict(required=True)


class InvalidEvent(ValueError):
    """A record that is not a CloudEvent we can read: dead-lettered at once, never retried."""


_envelope = CloudEventSchema()


def parse_event(raw: bytes) -> dict:
    try:
        return _envelope.load(json.loads(raw))
    except (ValueError, TypeError) as exc:  # bad JSON or not an object
        raise InvalidEvent(f"not JSON: {exc}") from exc
    except ValidationError as exc:
        raise InvalidEvent(f"not a CloudEvent: {exc.messages}") from exc


def encode_event(event: dict) -> bytes:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
