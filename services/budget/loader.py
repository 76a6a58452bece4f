"""Bulk loading of the sample region with COPY, and the events that tell other services about it."""
from __future__ import annotations

import logging
import time

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from services.common.db import transaction

from . import db, derived, events, reference, sample
from .domain import redflags

logger = logging.getLogger(__name__)

COLUMNS = {
    "institutions": ("id", "kind", "name_kk", "name_ru", "search_text", "bin", "address_kk", "address_ru",
                     "district_id", "geometry", "lat", "lon", "contact_emails", "admin_code", "headcount"),
    "budget_lines": ("id", "institution_id", "year", "program_code", "functional_group", "specific", "currency",
                     "plan", "adjusted_plan", "executed_q1", "executed_q2", "executed_q3", "executed_q4"),
    "contracts": ("id", "institution_id", "budget_line_id", "year", "supplier_name", "supplier_bin", "subject",
                  "method", "amount", "signed_on"),
    "documents": ("id", "institution_id", "year", "kind", "title", "contract_id", "media_id", "sha256"),
}


def sample_loaded(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(db.meta.c.value).where(db.meta.c.key == "sample")).scalar()


def load_sample(engine: Engine, sessions: sessionmaker, thresholds: redflags.Thresholds, *, scale: int = 1,
                seed: int = sample.SEED) -> dict:
    """Load the sample once (skipped when already loaded), in one transaction with its events."""
    marker = f"seed={seed};scale={scale}"
    started = time.monotonic()
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(hashtext('ashyq-budget-sample'))")
            found = conn.execute("select value from meta where key = 'sample'").fetchone()
            if found:
                return {"loaded": False, "marker": found[0]}
            _load_reference(conn)
            counts = dict.fromkeys(COLUMNS, 0)
            for batch in sample.batches(scale=scale, seed=seed):
                for table, columns in COLUMNS.items():
                    rows = getattr(batch, table)
                    counts[table] += len(rows)
                    with conn.cursor().copy(f"copy {table} ({', '.join(columns)}) from stdin") as copy:
                        for row in rows:
                            copy.write_row(row)
            conn.execute("select setval(pg_get_serial_sequence('budget_lines', 'id'), "
                         "(select coalesce(max(id), 1) from budget_lines))")
            conn.execute("insert into meta (key, value) values ('sample', %s)", (marker,))
        raw.commit()
    finally:
        raw.close()
    logger.info("sample copied in %.1fs: %s", time.monotonic() - started, counts)
    with transaction(sessions) as session:
        derived.refresh(session, thresholds)
        publish_all_institutions(session)
    logger.info("sample loaded in %.1fs", time.monotonic() - started)
    return {"loaded": True, "marker": marker, **counts, "seconds": round(time.monotonic() - started, 1)}


def _load_reference(conn) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "insert into districts (id, kind, kato_prefix, name_kk, name_ru, centre_kk, centre_ru, lat, lon, radius_deg) "
            "values (%(id)s, %(kind)s, %(kato_prefix)s, %(name_kk)s, %(name_ru)s, %(centre_kk)s, %(centre_ru)s, "
            "%(lat)s, %(lon)s, %(radius_deg)s) on conflict (id) do nothing", reference.districts())
        cur.executemany(
            "insert into specifics (code, name_ru, name_kk, name_kk_verified, name_en) values (%s, %s, %s, 0, %s) "
            "on conflict (code) do nothing", reference.SPECIFICS)


def publish_all_institutions(session, institution_ids: list[str] | None = None) -> int:
    """One institution_upserted per institution, so appeals and notify learn all of them."""
    districts = {d.id: d._mapping for d in session.execute(select(db.districts))}
    query = select(db.institutions)
    if institution_ids is not None:
        query = query.where(db.institutions.c.id.in_(institution_ids))
    rows = [dict(r._mapping) for r in session.execute(query)]
    outbox_rows = []
    for row in rows:
        topic, key, event = events.institution_upserted(row, districts[row["district_id"]])
        outbox_rows.append({"event_id": event["id"], "topic": topic, "key": key, "type": event["type"],
                            "payload": event})
    if outbox_rows:
        session.execute(db.outbox.insert(), outbox_rows)
    return len(outbox_rows)
