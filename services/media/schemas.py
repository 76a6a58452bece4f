"""HTTP input and output of the media API. Input is strict: unknown fields are rejected."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class PresignSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(["photo", "video"]))
    size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class MediaSchema(Schema):
    id = fields.String()
    state = fields.String()
    kind = fields.String(allow_none=True)
    content_type = fields.String(allow_none=True, metadata={"description": "detected from the bytes"})
    size = fields.Integer(allow_none=True)
    sha256 = fields.String(allow_none=True, metadata={"description": "of the untouched original"})
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    duration_seconds = fields.Float(allow_none=True)
    public_type = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    detected_type = fields.String(allow_none=True)
    upload_path = fields.String()
    expires_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PresignedUploadSchema(MediaSchema):
    upload_url = fields.String(metadata={"description": "PUT the file's bytes here, then call /complete"})
    method = fields.String()
    max_size = fields.Integer()
