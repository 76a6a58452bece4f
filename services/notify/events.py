"""What notify consumes (tolerant) and publishes (strict)."""
from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, fields

from services.common.events import event_type, make_event
from services.common.topics import NOTIFICATIONS

SOURCE = "/ashyq/notify"

# Consumed
INSTITUTION_UPSERTED = event_type("budget", "institution_upserted")
APPEAL_SUBMITTED = event_type("appeals", "appeal_submitted")
APPEAL_STATUS_CHANGED = event_type("appeals", "appeal_status_changed")
APPEAL_ANSWERED = event_type("appeals", "appeal_answered")
APPEAL_DEADLINE_APPROACHING = event_type("appeals", "appeal_deadline_approaching")
APPEAL_OVERDUE = event_type("appeals", "appeal_overdue")
APPEAL_EVENTS = (APPEAL_SUBMITTED, APPEAL_STATUS_CHANGED, APPEAL_ANSWERED, APPEAL_DEADLINE_APPROACHING, APPEAL_OVERDUE)
# Events on the topics notify reads that it knowingly has no use for (anything else unknown is
# dead-lettered by the consumer runner).
IGNORED: tuple[str, ...] = ()

# Published
NOTIFICATION_SENT = event_type("notify", "notification_sent")
NOTIFICATION_FAILED = event_type("notify", "notification_failed")


class InstitutionUpserted(Schema):
    class Meta:
        unknown = EXCLUDE
    id = fields.String(required=True)
    name_kk = fields.String(required=True)
    name_ru = fields.String(required=True)
    contact_emails = fields.List(fields.String(), load_default=list)


class Applicant(Schema):
    class Meta:
        unknown = EXCLUDE
    name = fields.String(required=True)
    email = fields.String(required=True)


class AppealSubmitted(Schema):
    class Meta:
        unknown = EXCLUDE
    appeal_id = fields.String(required=True)
    ticket = fields.String(required=True)
    institution_id = fields.String(required=True)
    category = fields.String(required=True)
    description = fields.String(required=True)
    media_ids = fields.List(fields.String(), load_default=list)
    language = fields.String(load_default="kk")
    deadline = fields.String(required=True)
    tracking_url = fields.String(required=True)
    applicant = fields.Nested(Applicant, required=True)


class AppealStatusChanged(Schema):
    class Meta:
        unknown = EXCLUDE
    appeal_id = fields.String(required=True)
    ticket = fields.String(required=True)
    institution_id = fields.String(required=True)
    from_status = fields.String(load_default=None, allow_none=True)
    to_status = fields.String(required=True)
    actor = fields.String(load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True)
    deadline = fields.String(load_default=None, allow_none=True)
    previous_institution_id = fields.String(load_default=None, allow_none=True)


class AppealAnswered(Schema):
    class Meta:
        unknown = EXCLUDE
    appeal_id = fields.String(required=True)
    ticket = fields.String(required=True)
    institution_id = fields.String(required=True)
    answer_text = fields.String(required=True)
    media_ids = fields.List(fields.String(), load_default=list)
    answered_at = fields.String(load_default=None, allow_none=True)


class AppealDeadline(Schema):
    """Deadline approaching and overdue carry the same data."""
    class Meta:
        unknown = EXCLUDE
    appeal_id = fields.String(required=True)
    ticket = fields.String(required=True)
    institution_id = fields.String(required=True)
    deadline = fields.String(required=True)


CONSUMED_SCHEMAS = {
    APPEAL_SUBMITTED: AppealSubmitted,
    APPEAL_STATUS_CHANGED: AppealStatusChanged,
    APPEAL_ANSWERED: AppealAnswered,
    APPEAL_DEADLINE_APPROACHING: AppealDeadline,
    APPEAL_OVERDUE: AppealDeadline,
}


def load_appeal_event(event: dict) -> dict:
    return CONSUMED_SCHEMAS[event["type"]]().load(event["data"])


class NotificationOutcomeV1(Schema):
    """Payload of notification sent / failed. The recipient's address is not in it: appeals needs only the kind."""
    class Meta:
        unknown = RAISE
    notification_id = fields.String(required=True)
    appeal_id = fields.String(required=True, allow_none=True)
    recipient_kind = fields.String(required=True)
    template = fields.String(required=True)
    source_event_id = fields.String(required=True)
    reason = fields.String(load_default=None, allow_none=True)


def outcome_event(type_: str, data: dict) -> tuple[str, str, dict]:
    NotificationOutcomeV1().load(data)
    key = data["appeal_id"] or data["notification_id"]
    return NOTIFICATIONS, key, make_event(type=type_, source=SOURCE, subject=data["notification_id"], data=data)


# The event catalogue (docs/events.md) is generated from these two.
PUBLISHED = {NOTIFICATION_SENT: (NOTIFICATIONS, NotificationOutcomeV1),
             NOTIFICATION_FAILED: (NOTIFICATIONS, NotificationOutcomeV1)}
CONSUMED = (INSTITUTION_UPSERTED,) + APPEAL_EVENTS
