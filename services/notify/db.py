"""The notify database: institution contacts and appeal contacts (copied from events), notifications,
their delivery attempts, and dead letters (notifications that failed for good, for operators)."""
from __future__ import annotations

from sqlalchemy import (BigInteger, Column, DateTime, ForeignKey, Identity, Index, Integer, MetaData, SmallInteger,
                        String, Table, Text, UniqueConstraint, func)
from sqlalchemy.dialects.postgresql import JSONB

from services.common.db import outbox_table, processed_events_table

metadata = MetaData()

contacts = Table(
    "contacts", metadata,
    Column("institution_id", String(64), primary_key=True),
    Column("name_kk", Text, nullable=False),
    Column("name_ru", Text, nullable=False),
    Column("emails", JSONB, nullable=False, server_default="[]"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The only personal data notify keeps: who filed an appeal and how to reach them. Later appeal events
# carry no personal data, so every email after the first is addressed from this copy.
appeal_contacts = Table(
    "appeal_contacts", metadata,
    Column("appeal_id", String(36), primary_key=True),
    Column("ticket", String(40), nullable=False),
    Column("institution_id", String(64), nullable=False),
    Column("category", String(40), nullable=False),
    Column("description", Text, nullable=False),
    Column("media_ids", JSONB, nullable=False, server_default="[]"),
    Column("language", String(8), nullable=False),
    Column("deadline", String(40), nullable=False),
    Column("tracking_url", Text, nullable=False),
    Column("applicant_name", Text, nullable=False),
    Column("applicant_email", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

notifications = Table(
    "notifications", metadata,
    Column("id", String(36), primary_key=True),
    Column("event_id", String(100), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("appeal_id", String(36), index=True),
    Column("recipient", Text, nullable=False),
    Column("recipient_kind", String(20), nullable=False),  # institution | citizen | operator
    Column("institution_id", String(64)),  # the addressed institution (re-addressing on retry)
    Column("template", String(100), nullable=False),
    Column("language", String(8), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("thread_id", String(200)),
    Column("context", JSONB),  # what the template was rendered from (re-rendered when re-addressed)
    Column("status", String(20), nullable=False),  # pending | sent | failed | superseded
    # 0 goes first: an institution learning of an appeal (and the body of an overdue one) outranks
    # the citizen's copies when a burst queues more than the senders can send at once.
    Column("priority", SmallInteger, nullable=False, server_default="1"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), server_default=func.now()),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    UniqueConstraint("event_id", "recipient", name="one_email_per_event_and_recipient"),
)
Index("notifications_due", notifications.c.next_attempt_at, postgresql_where=notifications.c.status == "pending")
Index("notifications_due_by_priority", notifications.c.priority, notifications.c.next_attempt_at,
      postgresql_where=notifications.c.status == "pending")

delivery_attempts = Table(
    "delivery_attempts", metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("notification_id", String(36), ForeignKey("notifications.id"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("outcome", String(20), nullable=False),  # sent | temporary | permanent
    Column("smtp_code", Integer),
    Column("error", Text),
)

dead_letters = Table(
    "dead_letters", metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("notification_id", String(36), ForeignKey("notifications.id"), nullable=False, index=True),
    Column("reason", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("resolved_at", DateTime(timezone=True)),  # set when an operator retries it
)
Index("dead_letters_open", dead_letters.c.created_at, postgresql_where=dead_letters.c.resolved_at.is_(None))

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
