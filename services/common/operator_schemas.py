"""The operator API's query and answer schemas (the answers documentation only: the views return plain dicts).

A summary part is computed on its own: its object, or `PartUnavailable` when what it reads is down; the
`Part` field documents that as oneOf (`part2properties`, added to the Api by the operator blueprint).
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate


class DeadLetterQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class PartUnavailable(Schema):
    """What a summary part is when what it reads is down."""
    error = fields.String(required=True, metadata={"description": "`<dependency> unavailable`, or the failure"})
    checked_at = fields.DateTime(required=True)


class Part(fields.Nested):
    """A summary part computed on its own: its schema's object, or PartUnavailable (documented as oneOf)."""


def part2properties(self, field, ret, **kwargs) -> dict:
    """apispec attribute function: a `Part` is oneOf its nested schema and PartUnavailable."""
    if not isinstance(field, Part):
        return {}
    nested = {"$ref": ret.pop("$ref")} if "$ref" in ret else ret.pop("allOf")[0]
    return {"oneOf": [nested, self.resolve_nested_schema(PartUnavailable)]}


class ReadinessCheck(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("ok", "down")))
    required = fields.Boolean(required=True, metadata={"description": "down: unready (else only degraded)"})
    error = fields.String(required=True, allow_none=True)
    checked_at = fields.DateTime(required=True)
    ms = fields.Float(required=True, metadata={"description": "how long the check took"})


class OutboxState(Schema):
    backlog = fields.Integer(required=True, metadata={"description": "events not yet published"})
    oldest_age_seconds = fields.Float(required=True, metadata={"description": "age of the oldest of them (0: none)"})


class PartitionLag(Schema):
    group = fields.String(required=True)
    topic = fields.String(required=True)
    partition = fields.Integer(required=True)
    committed = fields.Integer(required=True, metadata={"description": "the group's committed offset"})
    end = fields.Integer(required=True, metadata={"description": "the partition's end offset"})
    lag = fields.Integer(required=True)


class ConsumerLag(Schema):
    total = fields.Integer(required=True)
    partitions = fields.List(fields.Nested(PartitionLag), required=True)


class DeadLetterCounts(Schema):
    total = fields.Integer(required=True)
    by_topic = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                           metadata={"description": "dead letters per `<topic>.dlq`"})


class TrendPoint(Schema):
    t = fields.DateTime(required=True)
    outbox_backlog = fields.Integer(required=True)
    outbox_oldest_age_seconds = fields.Float(required=True)
    consumer_lag = fields.Integer(required=True)
    dead_letters = fields.Integer(required=True)


class Trend(Schema):
    interval_seconds = fields.Integer(required=True)
    points = fields.List(fields.Nested(TrendPoint), required=True, metadata={"description": "oldest first"})


class OperatorSummary(Schema):
    service = fields.String(required=True)
    checked_at = fields.DateTime(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("ready", "degraded", "unready")),
                           metadata={"description": "unready: a required check is down; degraded: another one"})
    checks = fields.Dict(keys=fields.String(), values=fields.Nested(ReadinessCheck), required=True,
                         metadata={"description": "readiness checks by name"})
    outbox = Part(OutboxState, required=True)
    consumer_lag = Part(ConsumerLag, required=True)
    dead_letters = Part(DeadLetterCounts, required=True)
    trend = Part(Trend, required=True, metadata={"description": "the last hour"})
    sections = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True, metadata={"description": (
        "the service's own parts by name (appeals: due soon, overdue...; none elsewhere); each is its own "
        "object, or {error, checked_at} like PartUnavailable")})


class EventDeadLetter(Schema):
    """A record a consumer gave up on, copied to `<topic>.dlq`."""
    topic = fields.String(required=True, metadata={"description": "the `.dlq` topic"})
    partition = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    key = fields.String(required=True, allow_none=True)
    error = fields.String(required=True)
    original_topic = fields.String(required=True)
    original_partition = fields.Integer(required=True, allow_none=True)
    original_offset = fields.Integer(required=True, allow_none=True)
    consumer_group = fields.String(required=True)
    failed_at = fields.DateTime(required=True, allow_none=True)
    attempts = fields.Integer(required=True, allow_none=True)
    event_id = fields.String(required=True, allow_none=True, metadata={"description": "null: not a JSON event"})
    event_type = fields.String(required=True, allow_none=True)
    replayed_at = fields.DateTime(required=True, allow_none=True, metadata={"description": "null: not replayed"})


class EventDeadLetters(Schema):
    service = fields.String(required=True)
    groups = fields.List(fields.String(), required=True, metadata={"description": "the service's consumer groups"})
    dead_letters = fields.List(fields.Nested(EventDeadLetter), required=True, metadata={"description": "newest first"})


class RecordPosition(Schema):
    topic = fields.String(required=True)
    partition = fields.Integer(required=True)
    offset = fields.Integer(required=True)


class DeadLetterReplay(Schema):
    dead_letter = fields.Nested(EventDeadLetter, required=True)
    replayed_to = fields.Nested(RecordPosition, required=True, metadata={"description": "where the record went"})
