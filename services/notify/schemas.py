"""HTTP input and output of the notify API."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate


class NotificationQuerySchema(Schema):
    class Meta:
        unknown = RAISE
    appeal_id = fields.String(validate=validate.Length(max=36))
    status = fields.String(validate=validate.OneOf(["pending", "sent", "failed", "superseded"]))
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
    institution_id = fields.String(allow_none=True)
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


class RetrySchema(Schema):
    notification_id = fields.String()
    queued = fields.List(fields.String(), metadata={"description": "notifications now waiting to be sent"})


class DeadLetterQuerySchema(Schema):
    class Meta:
        unknown = RAISE
    appeal_id = fields.String(validate=validate.Length(max=36))
    include_resolved = fields.Boolean(load_default=False)
    lang = fields.String(validate=validate.OneOf(["kk", "ru", "en"]))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


class DeadLetterSchema(Schema):
    id = fields.Integer()
    notification_id = fields.String()
    appeal_id = fields.String(allow_none=True)
    recipient = fields.String()
    recipient_kind = fields.String()
    template = fields.String()
    reason = fields.String()
    created_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)


class ContactSchema(Schema):
    institution_id = fields.String()
    name_kk = fields.String()
    name_ru = fields.String()
    emails = fields.List(fields.String())
    updated_at = fields.DateTime()
