"""Open-data export of budget lines, streamed row by row from a server-side cursor."""
from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select
from sqlalchemy.engine import Engine

from . import db
from .usecases import filtered

HEADER = ("institution_id", "institution_bin", "kind", "name_kk", "name_ru", "district", "year", "program_code",
          "functional_group", "specific", "currency", "plan", "adjusted_plan", "executed_q1", "executed_q2",
          "executed_q3", "executed_q4", "executed")


def _query(f: dict, year: int | None):
    i, l = db.institutions.c, db.budget_lines.c
    query = (select(i.id, i.bin, i.kind, i.name_kk, i.name_ru, i.district_id, l.year, l.program_code,
                    l.functional_group, l.specific, l.currency, l.plan, l.adjusted_plan, l.executed_q1,
                    l.executed_q2, l.executed_q3, l.executed_q4)
             .select_from(db.institutions.join(db.budget_lines, l.institution_id == i.id)))
    if year is not None:
        query = query.where(l.year == year)
    return filtered(query, f, year).order_by(i.id, l.year, l.program_code, l.specific)


def _rows(engine: Engine, f: dict, year: int | None):
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=2000).execute(_query(f, year))
        for r in result:
            yield (*r, r.executed_q1 + r.executed_q2 + r.executed_q3 + r.executed_q4)


def csv_stream(engine: Engine, f: dict, year: int | None):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for n, row in enumerate(_rows(engine, f, year), start=1):
        writer.writerow(row)
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_stream(engine: Engine, f: dict, year: int | None):
    yield "["
    chunk, first = [], True
    for row in _rows(engine, f, year):
        item = dict(zip(HEADER, (v if isinstance(v, (int, str)) or v is None else str(v) for v in row)))
        chunk.append(("" if first else ",") + json.dumps(item, ensure_ascii=False))
        first = False
        if len(chunk) >= 500:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk) + "]"
