"""The appeals database: tables (SQLAlchemy Core) and the shared outbox / processed-event ledger."""
from __future__ import annotations

from sqlalchemy import (Boolean, Column, Date, DateTime, Float, ForeignKey, Identity, BigInteger, Index, MetaData,
                        Sequence, String, Table, Text, func)
from sqlalchemy.dialects.postgresql import JSONB

from services.common.db import outbox_table, processed_events_table

metadata = MetaData()

ticket_sequence = Sequence("appeal_ticket_seq", metadata=metadata)

# Appeals' own copy of institutions, built from budget's institution upserted events.
institutions = Table(
    "institutions", metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("name_kk", Text, nullable=False),
    Column("name_ru", Text, nullable=False),
    Column("district_id", String(64)),
    Column("contact_emails", JSONB, nullable=False, server_default="[]"),
    Column("lat", Float),
    Column("lon", Float),
    Column("source_event_time", String(64)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

appeals = Table(
    "appeals", metadata,
    Column("id", String(36), primary_key=True),
    Column("ticket", String(32), nullable=False, unique=True),
    Column("institution_id", String(64), ForeignKey("institutions.id"), nullable=False, index=True),
    Column("category", String(32), nullable=False),
    Column("description", Text, nullable=False),
    Column("budget_line_id", String(64)),
    Column("contract_id", String(64)),
    Column("lat", Float),
    Column("lon", Float),
    Column("media_ids", JSONB, nullable=False, server_default="[]"),
    Column("language", String(2), nullable=False),
    Column("publish_text", Boolean, nullable=False),
    Column("applicant_name", Text, nullable=False),
    Column("applicant_email", Text, nullable=False),
    Column("applicant_phone", Text),
    Column("token_hash", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("deadline", Date, nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The day (Almaty) the current institution received it: deadlines and the redirect window count from it.
    Column("registered_on", Date),
    Column("extended", Boolean, nullable=False, server_default="false"),
    Column("answered_at", DateTime(timezone=True)),
    # Sent once per appeal by the deadline loop.
    Column("reminder_published_at", DateTime(timezone=True)),
    Column("overdue_published_at", DateTime(timezone=True)),
    # The event whose institution email makes the appeal delivered (submission, then each redirect).
    Column("delivery_event_id", String(36)),
    Column("source", String(16), nullable=False, server_default="api"),
    Column("open311_token", String(64), unique=True),
)
Index("appeals_by_status_deadline", appeals.c.status, appeals.c.deadline)
Index("appeals_by_submitted_at", appeals.c.submitted_at)

appeal_history = Table(
    "appeal_history", metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("appeal_id", String(36), ForeignKey("appeals.id"), nullable=False),
    Column("from_status", String(32)),
    Column("to_status", String(32), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("reason", Text),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("institution_id", String(64)),
    Column("previous_institution_id", String(64)),
)
Index("appeal_history_by_appeal", appeal_history.c.appeal_id, appeal_history.c.id)

idempotency_keys = Table(
    "idempotency_keys", metadata,
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("appeal_id", String(36), ForeignKey("appeals.id"), nullable=False),
    Column("response", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

holidays = Table(
    "holidays", metadata,
    Column("day", Date, primary_key=True),
    Column("name", Text, nullable=False),
)

answers = Table(
    "answers", metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("appeal_id", String(36), ForeignKey("appeals.id"), nullable=False, index=True),
    Column("institution_id", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("media_ids", JSONB, nullable=False, server_default="[]"),
    Column("author", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Operators' internal notes: never shown to citizens or staff.
notes = Table(
    "notes", metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("appeal_id", String(36), ForeignKey("appeals.id"), nullable=False, index=True),
    Column("author", String(100), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

accounts = Table(
    "accounts", metadata,
    Column("id", String(36), primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("institution_id", String(64)),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Appeals' own copy of media objects, from the media service's events.
media = Table(
    "media", metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(16)),
    Column("content_type", String(100)),
    Column("state", String(16), nullable=False),
    Column("attached_to", String(64)),  # "appeal:<id>" or "answer:<appeal id>"
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

open311_keys = Table(
    "open311_keys", metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
