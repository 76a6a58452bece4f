"""HTTP input and output of the appeals API. Input is strict: unknown fields are rejected."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from .domain.appeal import CATEGORIES


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class LocationSchema(StrictSchema):
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))


class ApplicantSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\+?[0-9 ()-]{6,20}$"))


class AppealSubmitSchema(StrictSchema):
    institution_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    description = fields.String(required=True, validate=validate.Length(min=20, max=5000))
    budget_line_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    contract_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    location = fields.Nested(LocationSchema, load_default=None, allow_none=True)
    media_ids = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list,
                            validate=validate.Length(max=10))
    language = fields.String(load_default="kk", validate=validate.OneOf(["kk", "ru"]))
    publish_text = fields.Boolean(load_default=False)
    applicant = fields.Nested(ApplicantSchema, required=True)


class AppealReceiptSchema(Schema):
    id = fields.String()
    ticket = fields.String()
    status = fields.String()
    deadline = fields.String(metadata={"format": "date"})  # kept as text: receipts are replayed from JSON
    tracking_url = fields.String()
    token = fields.String()


class TrackingQuerySchema(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(min=10, max=200))
    lang = fields.String(validate=validate.OneOf(["kk", "ru", "en"]))


class HistoryEntrySchema(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    reason = fields.String(allow_none=True)
    at = fields.DateTime()


class AppealTrackingSchema(Schema):
    id = fields.String()
    ticket = fields.String()
    institution_id = fields.String()
    category = fields.String()
    description = fields.String()
    status = fields.String()
    deadline = fields.Date()
    submitted_at = fields.DateTime()
    history = fields.List(fields.Nested(HistoryEntrySchema))
