"""The notify database: institution contacts (copied from events), notifications and their attempts."""
from __future__ import annotations

from sqlalchemy import (BigInteger, Column, DateTime, ForeignKey, Identity, Index, Integer, MetaData, String, Table,
                        Text, UniqueConstraint, func)
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

notifications = Table(
    "notifications", metadata,
    Column("id", String(36), primary_key=True),
    Column("event_id", String(100), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("appeal_id", String(36), index=True),
    Column("recipient", Text, nullable=False),
    Column("recipient_kind", String(20), nullable=False),  # institution | citizen | operator
    Column("template", String(100), nullable=False),
    Column("language", String(8), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("thread_id", String(200)),
    Column("status", String(20), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), server_default=func.now()),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    UniqueConstraint("event_id", "recipient", name="one_email_per_event_and_recipient"),
)
Index("notifications_due", notifications.c.next_attempt_at, postgresql_where=notifications.c.status == "pending")

delivery_attempts = Table(
    "delivery_attempts", metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("notification_id", String(36), ForeignKey("notifications.id"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("outcome", String(20), nullable=False),  # sent | temporary | permanent
    Column("smtp_code", Integer),
    Column("error", Text),
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
