"""Import of budget lines from CSV or JSON: every row validated first, every bad row reported with its
number, field and reason; nothing written unless all rows are good; rows upserted by their natural key
(institution, year, program code, specific), so importing the same file again changes nothing."""
from __future__ import annotations

import csv
import hashlib
import io
import json

from marshmallow import ValidationError
from sqlalchemy import select, text, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import sessionmaker

from services.common.db import add_to_outbox, transaction

from . import db, derived, events
from .cache import Cache
from .domain.redflags import Thresholds
from .reference import FUNCTIONAL_GROUPS
from .schemas import ImportRow

AMOUNTS = ("plan", "adjusted_plan", "executed_q1", "executed_q2", "executed_q3", "executed_q4")
COLUMNS = ("institution_bin", "year", "program_code", "functional_group", "specific", "currency") + AMOUNTS


class ImportRejected(Exception):
    def __init__(self, errors: list[dict], detail: str = "import rejected: nothing was imported"):
        super().__init__(detail)
        self.errors = errors


def parse_rows(content: bytes, fmt: str) -> list[dict]:
    """Rows as dicts of strings/values. CSV: a header row with COLUMNS. JSON: a list of rows,
    {"lines": [...]}, or a Fiscal Data Package descriptor whose first resource carries inline `data`."""
    try:
        textual = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected([{"row": None, "field": None, "reason": "the file is not UTF-8 text"}])
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(textual))
        if not reader.fieldnames:
            raise ImportRejected([{"row": None, "field": None, "reason": "the CSV file has no header row"}])
        rows = []
        for row in reader:
            rows.append({k: v for k, v in row.items() if k is not None and not (k == "functional_group" and v == "")})
            if None in row:
                rows[-1]["__extra__"] = row[None]
        return rows
    try:
        document = json.loads(textual)
    except ValueError as exc:
        raise ImportRejected([{"row": None, "field": None, "reason": f"not JSON: {exc}"}])
    if isinstance(document, dict) and "resources" in document:
        document = _fiscal_data_package(document)
    elif isinstance(document, dict):
        document = document.get("lines")
    if not isinstance(document, list):
        raise ImportRejected([{"row": None, "field": None,
                               "reason": "expected a list of rows, {\"lines\": [...]} or a Fiscal Data Package"}])
    return document


def _fiscal_data_package(package: dict) -> list:
    """Inline data of the first resource; columns renamed by each field's `ashyq:column` (or kept)."""
    resources = package.get("resources") or []
    if not resources or not isinstance(resources[0], dict) or not isinstance(resources[0].get("data"), list):
        raise ImportRejected([{"row": None, "field": "resources", "reason": "the first resource has no inline data"}])
    resource = resources[0]
    fields = (resource.get("schema") or {}).get("fields") or []
    rename = {f["name"]: f.get("ashyq:column", f["name"]) for f in fields if isinstance(f, dict) and "name" in f}
    rows = resource["data"]
    if rows and isinstance(rows[0], list):  # rows as arrays, in the order of the schema's fields
        names = [f["name"] for f in fields]
        rows = [dict(zip(names, r)) for r in rows]
    return [{rename.get(k, k): v for k, v in r.items()} if isinstance(r, dict) else r for r in rows]


def validate_rows(session, rows: list) -> list[dict]:
    """Loaded rows with their institution id, or ImportRejected listing every bad row (1-based, after the header)."""
    errors, loaded = [], []
    schema = ImportRow()
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            errors.append({"row": number, "field": None, "reason": "a row must be an object"})
            continue
        if "__extra__" in row:
            errors.append({"row": number, "field": None, "reason": "more values than columns"})
            continue
        try:
            loaded.append((number, schema.load(row), True))
        except ValidationError as exc:
            for field, messages in exc.messages.items():
                for message in messages if isinstance(messages, list) else [messages]:
                    errors.append({"row": number, "field": field, "reason": str(message)})
            loaded.append((number, exc.valid_data or {}, False))  # still check what did parse
    bins = {r["institution_bin"] for _, r, _ in loaded if "institution_bin" in r}
    institutions = {r.bin: (r.id, r.kind) for r in session.execute(
        select(db.institutions.c.bin, db.institutions.c.id, db.institutions.c.kind)
        .where(db.institutions.c.bin.in_(bins)))} if bins else {}
    specifics = set(session.scalars(select(db.specifics.c.code)))
    seen = {}
    result = []
    for number, r, valid in loaded:
        if "institution_bin" in r and r["institution_bin"] not in institutions:
            errors.append({"row": number, "field": "institution_bin", "reason": {
                "kk": f"{r['institution_bin']} БСН-і бар мекеме белгісіз", "ru": f"учреждение с БИН {r['institution_bin']} неизвестно",
                "en": f"unknown institution BIN {r['institution_bin']}"}})
            valid = False
        if "specific" in r and r["specific"] not in specifics:
            errors.append({"row": number, "field": "specific", "reason": {
                "kk": f"{r['specific']} ерекшелігі белгісіз", "ru": f"неизвестная специфика {r['specific']}",
                "en": f"unknown specific {r['specific']}"}})
            valid = False
        if not valid:
            continue
        key = (r["institution_bin"], r["year"], r["program_code"], r["specific"])
        if key in seen:
            errors.append({"row": number, "field": None, "reason": {
                "kk": f"{seen[key]}-жолмен бірдей жол", "ru": f"та же строка, что и строка {seen[key]}",
                "en": f"the same line as row {seen[key]}"}})
            continue
        seen[key] = number
        iid, kind = institutions[r["institution_bin"]]
        values = {c: r[c] for c in AMOUNTS}
        result.append({"institution_id": iid, "year": r["year"], "program_code": r["program_code"],
                       "specific": r["specific"], "currency": r["currency"],
                       "functional_group": r.get("functional_group") or FUNCTIONAL_GROUPS[kind], **values})
    if errors:
        errors.sort(key=lambda e: (e["row"] or 0, e["field"] or ""))
        raise ImportRejected(errors)
    if not result:
        raise ImportRejected([{"row": None, "field": None, "reason": "the file has no rows"}])
    return result


def import_file(sessions: sessionmaker, content: bytes, fmt: str, *, actor: str, thresholds: Thresholds,
                cache: Cache | None = None) -> dict:
    rows = parse_rows(content, fmt)
    sha = hashlib.sha256(content).hexdigest()
    with transaction(sessions) as session:
        # One import at a time: derived totals and ranks are rebuilt from a consistent set of lines.
        session.execute(text("select pg_advisory_xact_lock(hashtext('ashyq-budget-import'))"))
        lines = validate_rows(session, rows)
        changed, changed_lines = _upsert(session, lines)
        institution_ids = sorted({iid for iid, _ in changed})
        affected, years = [], sorted({year for _, year in changed})
        if changed:
            affected = derived.refresh(session, thresholds, institution_ids)
            y = db.institution_years
            for row in session.execute(select(y).where(tuple_(y.c.institution_id, y.c.year).in_(sorted(changed)))):
                topic, key, event = events.budget_updated(row.institution_id, row.year, row.plan, row.adjusted_plan,
                                                          row.executed, row.execution_pct)
                add_to_outbox(session, db.outbox, topic=topic, key=key, event=event)
        session.execute(db.imports.insert().values(sha256=sha, format=fmt, rows=len(lines), changed=len(changed),
                                                   actor=actor))
    if changed and cache is not None:
        cache.invalidate(years=set(years), institution_ids=affected)
    return {"rows": len(lines), "changed_lines": changed_lines, "institutions": len(institution_ids),
            "years": years, "events": len(changed), "sha256": sha}


def _upsert(session, lines: list[dict]) -> tuple[set[tuple[str, int]], int]:
    """(institution id, year) of every line inserted or whose values differ, and how many lines that was;
    unchanged lines are not touched."""
    l = db.budget_lines
    changed: set[tuple[str, int]] = set()
    count = 0
    for start in range(0, len(lines), 1000):
        chunk = lines[start:start + 1000]
        stmt = insert(l).values(chunk)
        updates = {c: stmt.excluded[c] for c in ("functional_group", "currency") + AMOUNTS}
        stmt = stmt.on_conflict_do_update(
            constraint="budget_lines_natural_key", set_=updates,
            where=tuple_(*(l.c[c] for c in updates)).is_distinct_from(tuple_(*(stmt.excluded[c] for c in updates))),
        ).returning(l.c.institution_id, l.c.year)
        for r in session.execute(stmt):
            changed.add((r[0], r[1]))
            count += 1
    return changed, count
