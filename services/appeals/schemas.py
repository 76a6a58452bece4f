"""HTTP input and output of the appeals API. Input is strict: unknown fields are rejected."""
from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from .domain.appeal import CATEGORIES, REJECTION_REASONS, Status

MEDIA_ID = fields.String(validate=validate.Length(min=1, max=64))


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class LocationSchema(StrictSchema):
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))


class ApplicantSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone = fields.String(load_default=None, allow_none=True, validate=lambda v: _phone(v))


def _phone(value: str) -> None:
    if not re.fullmatch(r"\+?[0-9 ()-]{6,20}", value):
        raise ValidationError({"kk": "Телефон нөмірі дұрыс емес", "ru": "Некорректный номер телефона",
                               "en": "not a valid phone number"})


_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # below space, except tab and line breaks


def _no_control_characters(value: str) -> None:
    if _CONTROL_CHARACTER.search(value):
        raise ValidationError({"kk": "Басқару таңбаларына рұқсат жоқ", "ru": "Управляющие символы недопустимы",
                               "en": "control characters are not allowed"})


class AppealSubmitSchema(StrictSchema):
    institution_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    description = fields.String(required=True, validate=[validate.Length(min=20, max=5000), _no_control_characters])
    budget_line_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    contract_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    location = fields.Nested(LocationSchema, load_default=None, allow_none=True)
    media_ids = fields.List(MEDIA_ID, load_default=list, validate=validate.Length(max=10))
    language = fields.String(load_default="kk", validate=validate.OneOf(["kk", "ru"]))
    publish_text = fields.Boolean(load_default=False)
    applicant = fields.Nested(ApplicantSchema, required=True)

    @validates("media_ids")
    def _distinct(self, value, **_):
        if len(set(value)) != len(value):
            raise ValidationError({"kk": "Файлдар қайталанбауы керек", "ru": "Файлы не должны повторяться",
                                   "en": "media ids must be distinct"})


class AppealReceiptSchema(Schema):
    id = fields.String()
    ticket = fields.String()
    status = fields.String()
    deadline = fields.String(metadata={"format": "date"})  # kept as text: receipts are replayed from JSON
    tracking_url = fields.String()
    token = fields.String()


class TrackingQuerySchema(StrictSchema):
    token = fields.String(load_default=None, validate=validate.Length(min=10, max=200))
    lang = fields.String(validate=validate.OneOf(["kk", "ru", "en"]))


class DisputeSchema(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(min=10, max=200))
    reason = fields.String(required=True, validate=[validate.Length(min=10, max=5000), _no_control_characters])


class HistoryEntrySchema(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    reason = fields.String(allow_none=True)
    actor = fields.String()
    at = fields.DateTime()


class AnswerViewSchema(Schema):
    text = fields.String()
    media_ids = fields.List(fields.String())
    at = fields.DateTime()


class AppealTrackingSchema(Schema):
    id = fields.String()
    ticket = fields.String()
    institution_id = fields.String()
    institution = fields.Dict(allow_none=True)
    category = fields.String()
    description = fields.String()
    media_ids = fields.List(fields.String())
    status = fields.String()
    deadline = fields.Date()
    extended = fields.Boolean()
    submitted_at = fields.DateTime()
    history = fields.List(fields.Nested(HistoryEntrySchema))
    answers = fields.List(fields.Nested(AnswerViewSchema))
    answer = fields.Nested(AnswerViewSchema, allow_none=True)
    can_dispute = fields.Boolean()


class PageQuerySchema(StrictSchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))
    lang = fields.String(validate=validate.OneOf(["kk", "ru", "en"]))


class CountsQuerySchema(StrictSchema):
    institution_id = fields.String(load_default=None, validate=validate.Length(max=64))
    lang = fields.String(validate=validate.OneOf(["kk", "ru", "en"]))


# ----- auth and accounts

class LoginSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenSchema(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


class AccountCreateSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9._@-]{3,100}$"))
    role = fields.String(required=True, validate=validate.OneOf(["staff", "operator"]))
    institution_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    password = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=10, max=200))


class AccountPatchSchema(StrictSchema):
    active = fields.Boolean(load_default=None)
    password = fields.String(load_default=None, validate=validate.Length(min=10, max=200))


class AccountQuerySchema(StrictSchema):
    role = fields.String(load_default=None, validate=validate.OneOf(["staff", "operator"]))
    institution_id = fields.String(load_default=None, validate=validate.Length(max=64))


# ----- staff

class StaffListQuerySchema(PageQuerySchema):
    status = fields.String(load_default=None, validate=validate.OneOf([s.value for s in Status]))


class AnswerSchema(StrictSchema):
    text = fields.String(required=True, validate=[validate.Length(min=10, max=10000), _no_control_characters])
    media_ids = fields.List(MEDIA_ID, load_default=list, validate=validate.Length(max=10))


# ----- operators

class OperatorListQuerySchema(PageQuerySchema):
    status = fields.String(load_default=None, validate=validate.OneOf([s.value for s in Status]))
    institution_id = fields.String(load_default=None, validate=validate.Length(max=64))
    district_id = fields.String(load_default=None, validate=validate.Length(max=64))
    kind = fields.String(load_default=None, validate=validate.Length(max=32))
    category = fields.String(load_default=None, validate=validate.OneOf(CATEGORIES))
    overdue = fields.Boolean(load_default=None)
    submitted_from = fields.DateTime(load_default=None)
    submitted_to = fields.DateTime(load_default=None)
    q = fields.String(load_default=None, validate=validate.Length(min=1, max=200))


class ReasonSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=2000))


class RejectSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.OneOf(REJECTION_REASONS))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class RedirectSchema(ReasonSchema):
    institution_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class ExtendSchema(ReasonSchema):
    until = fields.Date(required=True)


class NoteSchema(StrictSchema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class HolidaySchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class HolidayQuerySchema(StrictSchema):
    year = fields.Integer(load_default=None, validate=validate.Range(2000, 2100))


class SweepSchema(StrictSchema):
    """Development only: run the deadline loop once at a chosen date for chosen appeals."""
    now = fields.AwareDateTime(required=True)
    appeal_ids = fields.List(fields.String(validate=validate.Length(max=36)), required=True,
                             validate=validate.Length(min=1, max=100))
