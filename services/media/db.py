"""The media database: one row per upload, the appeals each media object is attached to, outbox, ledger."""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Float, Index, Integer, MetaData, String, Table, Text, func

from services.common.db import outbox_table, processed_events_table

metadata = MetaData()

media = Table(
    "media", metadata,
    Column("id", String(36), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("upload_path", String(16), nullable=False),  # direct | presigned
    Column("kind", String(8)),                         # photo | video, once the content is known
    Column("content_type", String(100)),               # detected from the bytes, never claimed
    Column("size", BigInteger),
    Column("sha256", String(64)),
    Column("width", Integer),
    Column("height", Integer),
    Column("duration_seconds", Float),
    Column("original_key", Text),                      # in the originals bucket, once stored
    Column("public_key", Text),
    Column("public_type", String(100)),
    Column("thumbnail_key", Text),
    Column("poster_key", Text),
    Column("reason", Text),
    Column("detected_type", String(100)),
    Column("declared_kind", String(8)),                # presigned uploads say what they will send
    Column("expires_at", DateTime(timezone=True)),     # an upload still unfinished then is cleaned up
    Column("claimed_at", DateTime(timezone=True)),     # when checking began (a stuck check is retried)
    Column("failures", Integer, nullable=False, server_default="0"),  # renders that failed (not for outages)
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("media_unfinished", media.c.state, media.c.expires_at,
      postgresql_where=media.c.state.in_(["uploading", "quarantined"]))

# Which appeal (and so which institution) a media object is evidence for, learned from appeals' events.
attachments = Table(
    "attachments", metadata,
    Column("media_id", String(36), primary_key=True),
    Column("appeal_id", String(64), primary_key=True),
    Column("institution_id", String(64), nullable=False),
    Column("attached_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
