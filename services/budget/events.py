"""What budget publishes (strict schemas, the contracts in services/README.md) and what it consumes
(its own tolerant copy, `unknown=EXCLUDE`)."""
from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, fields

from services.common.events import event_type, make_event
from services.common.topics import BUDGET_BUDGETS, BUDGET_INSTITUTIONS

SOURCE = "/ashyq/budget"

INSTITUTION_UPSERTED = event_type("budget", "institution_upserted")
BUDGET_UPDATED = event_type("budget", "budget_updated")

# Consumed
APPEAL_SUBMITTED = event_type("appeals", "appeal_submitted")
APPEALS_PREFIX = "kz.ashyq.appeals."
MEDIA_STORED = event_type("media", "media_stored")
MEDIA_REJECTED = event_type("media", "media_rejected")


class InstitutionUpsertedV1(Schema):
    class Meta:
        unknown = RAISE
    id = fields.String(required=True)
    kind = fields.String(required=True)
    name_kk = fields.String(required=True)
    name_ru = fields.String(required=True)
    bin = fields.String(required=True)
    district_id = fields.String(required=True)
    district_name_kk = fields.String(required=True)
    district_name_ru = fields.String(required=True)
    address_kk = fields.String(required=True)
    address_ru = fields.String(required=True)
    contact_emails = fields.List(fields.String(), required=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    geometry = fields.Dict(required=True)


class BudgetUpdatedV1(Schema):
    class Meta:
        unknown = RAISE
    institution_id = fields.String(required=True)
    year = fields.Integer(required=True)
    plan = fields.String(required=True)           # decimal strings, tenge
    adjusted_plan = fields.String(required=True)
    executed = fields.String(required=True)
    execution_pct = fields.String(required=True, allow_none=True)


class AppealSubmitted(Schema):
    """Only what budget needs from an appeal: which institution it is about (no personal data kept)."""
    class Meta:
        unknown = EXCLUDE
    appeal_id = fields.String(required=True)
    institution_id = fields.String(required=True)


class MediaStored(Schema):
    """What budget keeps of a stored media object: its hash is a document's evidence."""
    class Meta:
        unknown = EXCLUDE
    media_id = fields.String(required=True)
    sha256 = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)


def institution_upserted(institution: dict, district: dict) -> tuple[str, str, dict]:
    data = {
        "id": institution["id"], "kind": institution["kind"], "name_kk": institution["name_kk"],
        "name_ru": institution["name_ru"], "bin": institution["bin"], "district_id": institution["district_id"],
        "district_name_kk": district["name_kk"], "district_name_ru": district["name_ru"],
        "address_kk": institution["address_kk"], "address_ru": institution["address_ru"],
        "contact_emails": list(institution["contact_emails"]), "lat": institution["lat"], "lon": institution["lon"],
        "geometry": institution["geometry"],
    }
    InstitutionUpsertedV1().load(data)
    return BUDGET_INSTITUTIONS, data["id"], make_event(type=INSTITUTION_UPSERTED, source=SOURCE,
                                                       subject=data["id"], data=data)


def budget_updated(institution_id: str, year: int, plan, adjusted_plan, executed, execution_pct) -> tuple[str, str, dict]:
    data = {"institution_id": institution_id, "year": int(year), "plan": str(plan),
            "adjusted_plan": str(adjusted_plan), "executed": str(executed),
            "execution_pct": None if execution_pct is None else str(execution_pct)}
    BudgetUpdatedV1().load(data)
    return BUDGET_BUDGETS, institution_id, make_event(type=BUDGET_UPDATED, source=SOURCE, subject=institution_id,
                                                      data=data)


# The event catalogue (docs/events.md) is generated from these two.
PUBLISHED = {INSTITUTION_UPSERTED: (BUDGET_INSTITUTIONS, InstitutionUpsertedV1),
             BUDGET_UPDATED: (BUDGET_BUDGETS, BudgetUpdatedV1)}
CONSUMED = (APPEAL_SUBMITTED, MEDIA_STORED)
