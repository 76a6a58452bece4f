"""HTTP input and output of the notify API."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate


class NotificationQuerySchema(Schema):
    class Meta:
        unknown = RAISE
    appeal_id = fields.String(validate=validate.Length(max=36))
    status = fields.String(validate=validate.OneOf(["pending", "sent", "failed"]))
    recipient_kind = fields.String(validate=validate.OneOf(["institution", "citizen", "operator"]))
    lang = fields.String(validate=validate.OneOf(["kk", "ru", "en"]))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


class AttemptSchema(Schema):
    at = fields.DateTime()
    outcome = fields.String()
    smtp_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)


class NotificationSchema(Schema):
    id = fields.String()
    appeal_id = fields.String(allow_none=True)
    event_type = fields.String()
    recipient = fields.String()
    recipient_kind = fields.String()
    template = fields.String()
    language = fields.String()
    subject = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    delivery_attempts = fields.List(fields.Nested(AttemptSchema))
