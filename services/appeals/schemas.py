"""HTTP input and output of the appeals API. Input is strict: unknown fields are rejected.

Output schemas document what each view answers. Only the receipt, the tracking view and the token are
serialized through theirs; every other view answers its dict as it is and its schema is documentation only
(`alt_response(..., success=True)` next to its `response`), so bodies keep every key and their formats."""
from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from .domain.appeal import CATEGORIES, REJECTION_REASONS, Status

MEDIA_ID = fields.String(validate=validate.Length(min=1, max=64))
STATUSES = [s.value for s in Status]
ACTORS = ["citizen", "staff", "operator", "system"]  # roles, never names
LANGUAGES = ["kk", "ru"]
ROLES = ["staff", "operator"]
SOURCES = ["api", "open311"]


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
    language = fields.String(load_default="kk", validate=validate.OneOf(LANGUAGES))
    publish_text = fields.Boolean(load_default=False)
    applicant = fields.Nested(ApplicantSchema, required=True)

    @validates("media_ids")
    def _distinct(self, value, **_):
        if len(set(value)) != len(value):
            raise ValidationError({"kk": "Файлдар қайталанбауы керек", "ru": "Файлы не должны повторяться",
                                   "en": "media ids must be distinct"})


class AppealReceiptSchema(Schema):
    """The receipt of a filed appeal: the ticket and the token that opens its tracking view (shown once)."""
    id = fields.String(required=True)
    ticket = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    deadline = fields.String(required=True, metadata={"format": "date"})  # kept as text: receipts are replayed
    tracking_url = fields.String(required=True)
    token = fields.String(required=True)


class TrackingQuerySchema(StrictSchema):
    token = fields.String(load_default=None, validate=validate.Length(min=10, max=200))
    lang = fields.String(validate=validate.OneOf(["kk", "ru", "en"]))


class DisputeSchema(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(min=10, max=200))
    reason = fields.String(required=True, validate=[validate.Length(min=10, max=5000), _no_control_characters])


class TimelineEntrySchema(Schema):
    """One step of an appeal's timeline, as institution staff see it (who moved it is not shown)."""
    from_status = fields.String(required=True, allow_none=True, validate=validate.OneOf(STATUSES))
    to_status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    reason = fields.String(required=True, allow_none=True)
    at = fields.DateTime(required=True)


class HistoryEntrySchema(TimelineEntrySchema):
    """One step of an appeal's timeline with the role that made it."""
    actor = fields.String(required=True, validate=validate.OneOf(ACTORS))


class AnswerViewSchema(Schema):
    """An institution's answer: the explanation and its evidence (media ids)."""
    text = fields.String(required=True)
    media_ids = fields.List(fields.String(), required=True)
    at = fields.DateTime(required=True)


class InstitutionNamesSchema(Schema):
    name_kk = fields.String(required=True)
    name_ru = fields.String(required=True)


class AppealTrackingSchema(Schema):
    """The citizen's view of their appeal (ticket and token): status, deadline, timeline and answers."""
    id = fields.String(required=True)
    ticket = fields.String(required=True)
    institution_id = fields.String(required=True)
    institution = fields.Nested(InstitutionNamesSchema, required=True, allow_none=True)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    description = fields.String(required=True)
    media_ids = fields.List(fields.String(), required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    deadline = fields.Date(required=True)
    extended = fields.Boolean(required=True)
    submitted_at = fields.DateTime(required=True)
    history = fields.List(fields.Nested(HistoryEntrySchema), required=True)
    answers = fields.List(fields.Nested(AnswerViewSchema), required=True)
    answer = fields.Nested(AnswerViewSchema, required=True, allow_none=True, metadata={"description": "the latest"})
    can_dispute = fields.Boolean(required=True)


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
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, validate=validate.OneOf(["Bearer"]))
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})


class AccountCreateSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9._@-]{3,100}$"))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    institution_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    password = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=10, max=200))


class AccountPatchSchema(StrictSchema):
    active = fields.Boolean(load_default=None)
    password = fields.String(load_default=None, validate=validate.Length(min=10, max=200))


class AccountQuerySchema(StrictSchema):
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))
    institution_id = fields.String(load_default=None, validate=validate.Length(max=64))


# ----- staff

class StaffListQuerySchema(PageQuerySchema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))


class AnswerSchema(StrictSchema):
    text = fields.String(required=True, validate=[validate.Length(min=10, max=10000), _no_control_characters])
    media_ids = fields.List(MEDIA_ID, load_default=list, validate=validate.Length(max=10))


# ----- operators

class OperatorListQuerySchema(PageQuerySchema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
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


# ----- output documented only: the views answer plain dicts; dates and times are ISO 8601 text

def _day(*, metadata: dict | None = None, **kwargs) -> fields.String:
    return fields.String(required=True, metadata={"format": "date", **(metadata or {})}, **kwargs)


def _moment(*, metadata: dict | None = None, **kwargs) -> fields.String:
    return fields.String(required=True, metadata={"format": "date-time", **(metadata or {})}, **kwargs)


class AppealTransitionSchema(Schema):
    """The appeal and the status a workflow step moved it to."""
    id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))


class DisputedAppealSchema(Schema):
    ticket = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))


class PublicAppealSchema(Schema):
    """An appeal as everyone sees it: no personal data, the text only where the applicant allowed it."""
    ticket = fields.String(required=True)
    institution_id = fields.String(required=True)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    deadline = _day()
    submitted_at = _moment()
    description = fields.String(required=True, allow_none=True)
    answers = fields.List(fields.Nested(AnswerViewSchema), required=True)


class PublicAppealListSchema(Schema):
    institution_id = fields.String(required=True)
    total = fields.Integer(required=True)
    items = fields.List(fields.Nested(PublicAppealSchema), required=True)


class InstitutionAppealCountsSchema(Schema):
    """One institution on the map; rejected appeals are not counted."""
    institution_id = fields.String(required=True)
    total = fields.Integer(required=True)
    open = fields.Integer(required=True)
    answered = fields.Integer(required=True)
    overdue = fields.Integer(required=True)


class AppealCountsSchema(Schema):
    items = fields.List(fields.Nested(InstitutionAppealCountsSchema), required=True)


class CategorySchema(Schema):
    code = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    kk = fields.String(required=True)
    ru = fields.String(required=True)


class CategoryListSchema(Schema):
    items = fields.List(fields.Nested(CategorySchema), required=True)


class NoopSchema(Schema):
    ok = fields.Boolean(required=True)


class StaffAppealSchema(Schema):
    """An appeal as its institution's staff see it: the applicant's name, never their email or phone."""
    id = fields.String(required=True)
    ticket = fields.String(required=True)
    institution_id = fields.String(required=True)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    description = fields.String(required=True)
    budget_line_id = fields.String(required=True, allow_none=True)
    contract_id = fields.String(required=True, allow_none=True)
    lat = fields.Float(required=True, allow_none=True)
    lon = fields.Float(required=True, allow_none=True)
    media_ids = fields.List(fields.String(), required=True)
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    deadline = _day()
    extended = fields.Boolean(required=True)
    submitted_at = _moment()
    updated_at = _moment()
    answered_at = _moment(allow_none=True)
    applicant_name = fields.String(required=True)


class StaffAppealListSchema(Schema):
    total = fields.Integer(required=True)
    items = fields.List(fields.Nested(StaffAppealSchema), required=True)


class StaffAppealDetailSchema(StaffAppealSchema):
    history = fields.List(fields.Nested(TimelineEntrySchema), required=True)
    answers = fields.List(fields.Nested(AnswerViewSchema), required=True)
    allowed_transitions = fields.List(fields.String(validate=validate.OneOf(STATUSES)), required=True,
                                      metadata={"description": "the statuses staff may move the appeal to now"})


class OperatorAppealRowSchema(Schema):
    """A line of the operators' list of every appeal."""
    id = fields.String(required=True)
    ticket = fields.String(required=True)
    institution_id = fields.String(required=True)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    deadline = _day()
    extended = fields.Boolean(required=True)
    submitted_at = _moment()
    updated_at = _moment()
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    kind = fields.String(required=True, metadata={"description": "the institution's kind (school, hospital...)"})
    district_id = fields.String(required=True, allow_none=True)
    institution_name_ru = fields.String(required=True)


class OperatorAppealListSchema(Schema):
    total = fields.Integer(required=True)
    items = fields.List(fields.Nested(OperatorAppealRowSchema), required=True)


class InternalNoteSchema(Schema):
    """An operator's note on an appeal: seen by operators only."""
    id = fields.Integer(required=True)
    appeal_id = fields.String(required=True)
    author = fields.String(required=True)
    text = fields.String(required=True)
    at = _moment()


class OperatorAppealSchema(StaffAppealSchema):
    """The whole appeal, applicant included, with its timeline, answers and internal notes."""
    publish_text = fields.Boolean(required=True)
    applicant_email = fields.String(required=True)
    applicant_phone = fields.String(required=True, allow_none=True)
    registered_on = _day(allow_none=True)
    reminder_published_at = _moment(allow_none=True)
    overdue_published_at = _moment(allow_none=True)
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    history = fields.List(fields.Nested(HistoryEntrySchema), required=True)
    answers = fields.List(fields.Nested(AnswerViewSchema), required=True)
    notes = fields.List(fields.Nested(InternalNoteSchema), required=True)
    allowed_transitions = fields.List(fields.String(validate=validate.OneOf(STATUSES)), required=True,
                                      metadata={"description": "the statuses operators may move the appeal to now"})


class RedirectionSchema(AppealTransitionSchema):
    institution_id = fields.String(required=True)
    deadline = _day(metadata={"description": "the new institution's own deadline"})
    timely = fields.Boolean(required=True, metadata={"description": "within the 3 working days the law allows"})


class ExtensionSchema(AppealTransitionSchema):
    deadline = _day()


class HolidayEntrySchema(Schema):
    day = _day()
    name = fields.String(required=True)


class HolidayCalendarSchema(Schema):
    items = fields.List(fields.Nested(HolidayEntrySchema), required=True)


class AccountSchema(Schema):
    id = fields.String(required=True)
    username = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    institution_id = fields.String(required=True, allow_none=True)
    active = fields.Boolean(required=True)
    created_at = _moment()


class AccountListSchema(Schema):
    items = fields.List(fields.Nested(AccountSchema), required=True)


class NewAccountSchema(Schema):
    """A new account with its password: shown this once, never stored in clear."""
    id = fields.String(required=True)
    username = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    institution_id = fields.String(required=True, allow_none=True)
    active = fields.Boolean(required=True)
    password = fields.String(required=True)


class DeadlineSweepResultSchema(Schema):
    reminded = fields.Integer(required=True)
    overdue = fields.Integer(required=True)
    closed = fields.Integer(required=True)
