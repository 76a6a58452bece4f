"""What appeals publishes (strict schemas) and what it consumes (tolerant schemas, `unknown=EXCLUDE`)."""
from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from services.common.events import event_type, make_event
from services.common.topics import APPEALS

SOURCE = "/ashyq/appeals"

APPEAL_SUBMITTED = event_type("appeals", "appeal_submitted")
APPEAL_STATUS_CHANGED = event_type("appeals", "appeal_status_changed")
APPEAL_ANSWERED = event_type("appeals", "appeal_answered")
APPEAL_DEADLINE_APPROACHING = event_type("appeals", "appeal_deadline_approaching")
APPEAL_OVERDUE = event_type("appeals", "appeal_overdue")

# Consumed
INSTITUTION_UPSERTED = event_type("budget", "institution_upserted")
NOTIFICATION_SENT = event_type("notify", "notification_sent")
NOTIFICATION_FAILED = event_type("notify", "notification_failed")
MEDIA_STORED = event_type("media", "media_stored")
MEDIA_REJECTED = event_type("media", "media_rejected")


class ApplicantContact(Schema):
    """Only notify needs it, to write to the applicant; never published anywhere else."""
    class Meta:
        unknown = RAISE
    name = fields.String(required=True)
    email = fields.String(required=True)


class AppealSubmittedV1(Schema):
    class Meta:
        unknown = RAISE
    appeal_id = fields.String(required=True)
    ticket = fields.String(required=True)
    institution_id = fields.String(required=True)
    category = fields.String(required=True)
    description = fields.String(required=True)
    media_ids = fields.List(fields.String(), required=True)
    language = fields.String(required=True, validate=validate.OneOf(["kk", "ru"]))
    deadline = fields.String(required=True)
    tracking_url = fields.String(required=True)
    applicant = fields.Nested(ApplicantContact, required=True)


class AppealStatusChangedV1(Schema):
    class Meta:
        unknown = RAISE
    appeal_id = fields.String(required=True)
    ticket = fields.String(required=True)
    institution_id = fields.String(required=True)
    from_status = fields.String(required=True, allow_none=True)
    to_status = fields.String(required=True)
    actor = fields.String(required=True, validate=validate.OneOf(["citizen", "staff", "operator", "system"]))
    reason = fields.String(load_default=None, allow_none=True)
    deadline = fields.String(required=True)
    previous_institution_id = fields.String(load_default=None, allow_none=True)


class AppealAnsweredV1(Schema):
    class Meta:
        unknown = RAISE
    appeal_id = fields.String(required=True)
    ticket = fields.String(required=True)
    institution_id = fields.String(required=True)
    answer_text = fields.String(required=True)
    media_ids = fields.List(fields.String(), required=True)
    answered_at = fields.String(required=True)


class AppealDeadlineV1(Schema):
    """Both appeal_deadline_approaching and appeal_overdue: no personal data."""
    class Meta:
        unknown = RAISE
    appeal_id = fields.String(required=True)
    ticket = fields.String(required=True)
    institution_id = fields.String(required=True)
    deadline = fields.String(required=True)


def appeal_event(type_: str, schema: Schema, appeal_id: str, data: dict) -> tuple[str, str, dict]:
    """(topic, key, CloudEvent) for the outbox; the payload is validated against its schema first."""
    schema.load(data)
    return APPEALS, appeal_id, make_event(type=type_, source=SOURCE, subject=appeal_id, data=data)


class InstitutionUpserted(Schema):
    class Meta:
        unknown = EXCLUDE
    id = fields.String(required=True)
    kind = fields.String(required=True)
    name_kk = fields.String(required=True)
    name_ru = fields.String(required=True)
    district_id = fields.String(load_default=None, allow_none=True)
    contact_emails = fields.List(fields.String(), load_default=list)
    lat = fields.Float(load_default=None, allow_none=True)
    lon = fields.Float(load_default=None, allow_none=True)


class NotificationOutcome(Schema):
    class Meta:
        unknown = EXCLUDE
    notification_id = fields.String(required=True)
    appeal_id = fields.String(load_default=None, allow_none=True)
    recipient_kind = fields.String(required=True)
    template = fields.String(required=True)
    source_event_id = fields.String(load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True)


class MediaStored(Schema):
    class Meta:
        unknown = EXCLUDE
    media_id = fields.String(required=True)
    kind = fields.String(load_default=None, allow_none=True)
    content_type = fields.String(load_default=None, allow_none=True)


class MediaRejected(Schema):
    class Meta:
        unknown = EXCLUDE
    media_id = fields.String(required=True)
    reason = fields.String(load_default=None, allow_none=True)


# The event catalogue (docs/events.md) is generated from these two.
PUBLISHED = {APPEAL_SUBMITTED: (APPEALS, AppealSubmittedV1), APPEAL_STATUS_CHANGED: (APPEALS, AppealStatusChangedV1),
             APPEAL_ANSWERED: (APPEALS, AppealAnsweredV1), APPEAL_DEADLINE_APPROACHING: (APPEALS, AppealDeadlineV1),
             APPEAL_OVERDUE: (APPEALS, AppealDeadlineV1)}
CONSUMED = (INSTITUTION_UPSERTED, NOTIFICATION_SENT, NOTIFICATION_FAILED, MEDIA_STORED, MEDIA_REJECTED)
