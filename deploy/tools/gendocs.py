"""Regenerate docs/environment.md (from services/common/settings.py) and docs/events.md (from each
service's events module): `var/venv/bin/python deploy/tools/gendocs.py`. A unit test fails when
either is stale."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from services.common import settings, topics  # noqa: E402

DOCS = ROOT / "docs"


def environment_markdown() -> str:
    lines = ["# Environment variables", "",
             "Generated from `services/common/settings.py` by `deploy/tools/gendocs.py`; the defaults are the",
             "local stack's. Production sets its own.", "", "| variable | local default | what it is |", "|---|---|---|"]
    for name, (default, doc) in settings.VARIABLES.items():
        shown = default.replace(str(settings.ROOT), "<repo>") if default else ""
        lines.append(f"| `{name}` | `{shown}` | {doc} |" if shown else f"| `{name}` | | {doc} |")
    return "\n".join(lines) + "\n"


def _fields(schema_class) -> str:
    schema = schema_class()
    parts = []
    for name, field in schema.fields.items():
        kind = type(field).__name__
        if hasattr(field, "nested"):
            nested = field.nested if isinstance(field.nested, type) else type(field.nested)
            kind = f"{{{', '.join(nested().fields)}}}"
        parts.append(f"{name}{'' if field.required else '?'}: {kind}")
    return ", ".join(parts)


def events_markdown() -> str:
    lines = ["# Event catalogue", "",
             "CloudEvents 1.0 JSON on Kafka, keyed by the aggregate id, written through each service's",
             "transactional outbox; a record that fails its consumer's bounded retries goes to `<topic>.dlq`.",
             "Generated from the schemas by `deploy/tools/gendocs.py` (`?` marks an optional field).", "",
             "## Topics", "", "| topic | partitions | dead letters |", "|---|---|---|"]
    lines += [f"| `{t}` | {topics.PARTITIONS} | `{topics.dlq(t)}` |" for t in topics.TOPICS]
    published, consumers = [], {}
    for service in settings.SERVICES:
        module = importlib.import_module(f"services.{service}.events")
        for type_, (topic, schema) in getattr(module, "PUBLISHED", {}).items():
            published.append((type_, topic, service, schema))
        for type_ in getattr(module, "CONSUMED", ()):
            consumers.setdefault(type_, []).append(service)
    lines += ["", "## Events", "", "| type | topic | producer | consumers | payload (`data`) |", "|---|---|---|---|---|"]
    for type_, topic, service, schema in sorted(published):
        lines.append(f"| `{type_}` | `{topic}` | {service} | {', '.join(sorted(consumers.get(type_, []))) or '—'} "
                     f"| {_fields(schema)} |")
    lines += ["", f"`{topics.MINIO_EVENTS}` carries MinIO's own bucket notifications (S3 event JSON, not CloudEvents),",
              "published by MinIO's Kafka target and consumed by media to process presigned uploads."]
    return "\n".join(lines) + "\n"


DOCUMENTS = {"environment.md": environment_markdown, "events.md": events_markdown}


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    for name, render in DOCUMENTS.items():
        (DOCS / name).write_text(render(), encoding="utf-8")
        print(f"wrote docs/{name}")


if __name__ == "__main__":
    main()
