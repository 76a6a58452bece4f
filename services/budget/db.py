"""The budget database: districts, institutions, budget lines, contracts, documents, reviews, and the
derived yearly totals and red flags (recomputed from the lines after every load or import).

Money is Numeric(18, 2) tenge: exact, never float."""
from __future__ import annotations

from sqlalchemy import (BigInteger, Column, Date, DateTime, Float, ForeignKey, Identity, Index, Integer, MetaData,
                        Numeric, SmallInteger, String, Table, Text, UniqueConstraint, func)
from sqlalchemy.dialects.postgresql import JSONB

from services.common.db import outbox_table, processed_events_table

metadata = MetaData()

MONEY = Numeric(18, 2)

districts = Table(
    "districts", metadata,
    Column("id", String(16), primary_key=True),          # KATO prefix, or a slug where the KATO is unknown
    Column("kind", String(16), nullable=False),          # city | district
    Column("kato_prefix", String(8)),
    Column("name_kk", Text, nullable=False),
    Column("name_ru", Text, nullable=False),
    Column("centre_kk", Text, nullable=False),
    Column("centre_ru", Text, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("radius_deg", Float, nullable=False),          # the area institutions are placed in (sample data)
)

specifics = Table(
    "specifics", metadata,
    Column("code", String(3), primary_key=True),
    Column("name_ru", Text, nullable=False),
    Column("name_kk", Text, nullable=False),
    Column("name_kk_verified", SmallInteger, nullable=False, server_default="0"),
    Column("name_en", Text, nullable=False),
)

institutions = Table(
    "institutions", metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("name_kk", Text, nullable=False),
    Column("name_ru", Text, nullable=False),
    Column("search_text", Text, nullable=False),          # domain.search.normalise(name_kk + name_ru)
    Column("bin", String(12), nullable=False, unique=True),
    Column("address_kk", Text, nullable=False),
    Column("address_ru", Text, nullable=False),
    Column("district_id", String(16), ForeignKey("districts.id"), nullable=False),
    Column("geometry", JSONB, nullable=False),            # GeoJSON Point, or LineString for roads
    Column("lat", Float, nullable=False),                 # a representative point (bbox filter, map marker)
    Column("lon", Float, nullable=False),
    Column("contact_emails", JSONB, nullable=False, server_default="[]"),
    Column("admin_code", String(3), nullable=False),      # budget program administrator
    Column("headcount", JSONB, nullable=False, server_default="{}"),  # {"2024": 312, ...} pupils/children/beds/...
    Column("appeal_count", Integer, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("institutions_kind_district", institutions.c.kind, institutions.c.district_id)
Index("institutions_lat_lon", institutions.c.lat, institutions.c.lon)
Index("institutions_search_trgm", institutions.c.search_text, postgresql_using="gin",
      postgresql_ops={"search_text": "gin_trgm_ops"})

budget_lines = Table(
    "budget_lines", metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("institution_id", String(64), ForeignKey("institutions.id"), nullable=False),
    Column("year", SmallInteger, nullable=False),
    Column("program_code", String(11), nullable=False),   # administrator-program-subprogram, e.g. 464-003-011
    Column("functional_group", String(2), nullable=False),
    Column("specific", String(3), ForeignKey("specifics.code"), nullable=False),
    Column("currency", String(3), nullable=False, server_default="KZT"),
    Column("plan", MONEY, nullable=False),
    Column("adjusted_plan", MONEY, nullable=False),
    Column("executed_q1", MONEY, nullable=False, server_default="0"),
    Column("executed_q2", MONEY, nullable=False, server_default="0"),
    Column("executed_q3", MONEY, nullable=False, server_default="0"),
    Column("executed_q4", MONEY, nullable=False, server_default="0"),
    UniqueConstraint("institution_id", "year", "program_code", "specific", name="budget_lines_natural_key"),
)

contracts = Table(
    "contracts", metadata,
    Column("id", String(64), primary_key=True),           # the procurement contract number
    Column("institution_id", String(64), ForeignKey("institutions.id"), nullable=False, index=True),
    Column("budget_line_id", BigInteger, ForeignKey("budget_lines.id"), nullable=False, index=True),
    Column("year", SmallInteger, nullable=False),
    Column("supplier_name", Text, nullable=False),
    Column("supplier_bin", String(12), nullable=False),
    Column("subject", Text, nullable=False),
    Column("method", String(32), nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("signed_on", Date, nullable=False),
)

documents = Table(
    "documents", metadata,
    Column("id", String(64), primary_key=True),
    Column("institution_id", String(64), ForeignKey("institutions.id"), nullable=False),
    Column("year", SmallInteger, nullable=False),
    Column("kind", String(16), nullable=False),           # estimate | contract | act | invoice | report
    Column("title", Text, nullable=False),
    Column("contract_id", String(64), ForeignKey("contracts.id")),
    Column("media_id", String(64)),
    Column("sha256", String(64)),
)
Index("documents_by_institution_year", documents.c.institution_id, documents.c.year)

# Budget's copy of stored media (from media_stored events): gives documents their SHA-256 evidence.
media = Table(
    "media", metadata,
    Column("media_id", String(64), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("documents_by_media", documents.c.media_id)

reviews = Table(
    "reviews", metadata,
    Column("id", String(36), primary_key=True),
    Column("institution_id", String(64), ForeignKey("institutions.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("rating", SmallInteger, nullable=False),
    Column("author_name", Text, nullable=False),
    Column("language", String(2), nullable=False),
    Column("state", String(16), nullable=False, server_default="pending"),   # pending | published | rejected
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("moderated_at", DateTime(timezone=True)),
)
Index("reviews_by_institution_state", reviews.c.institution_id, reviews.c.state)

# Derived: one row per institution and year, rebuilt from the lines by usecases.refresh_derived().
institution_years = Table(
    "institution_years", metadata,
    Column("institution_id", String(64), ForeignKey("institutions.id"), primary_key=True),
    Column("year", SmallInteger, primary_key=True),
    Column("plan", MONEY, nullable=False),
    Column("adjusted_plan", MONEY, nullable=False),
    Column("executed", MONEY, nullable=False),
    Column("executed_q4", MONEY, nullable=False),
    Column("execution_pct", Numeric(12, 2)),   # over-execution can pass 100 000 %
    Column("headcount", Numeric(12, 2)),
    Column("unit_cost", MONEY),
    Column("rank_district", Integer),
    Column("peers_district", Integer),
    Column("rank_region", Integer),
    Column("peers_region", Integer),
    Column("flag_count", Integer, nullable=False, server_default="0"),
)
Index("institution_years_by_year", institution_years.c.year)

red_flags = Table(
    "red_flags", metadata,
    Column("institution_id", String(64), ForeignKey("institutions.id"), primary_key=True),
    Column("year", SmallInteger, primary_key=True),
    Column("rule", String(32), primary_key=True),
    Column("numbers", JSONB, nullable=False),
    Column("explanation_kk", Text, nullable=False),
    Column("explanation_ru", Text, nullable=False),
)
Index("red_flags_by_rule_year", red_flags.c.rule, red_flags.c.year)

# Imported files by content hash: the same file twice is recognised (the upsert is idempotent anyway).
imports = Table(
    "imports", metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("format", String(8), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

meta = Table(
    "meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
