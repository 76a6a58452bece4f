"""HTTP input (strict, `unknown = RAISE`) and output of the budget API. Money is a decimal string (tenge)."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from .domain.kinds import DOCUMENT_KINDS, KINDS, PROCUREMENT_METHODS
from .domain.redflags import RULES

MAX_PER_PAGE = 200
YEAR = validate.Range(2000, 2100)


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class BBox(fields.Field):
    """`minLon,minLat,maxLon,maxLat` in degrees (the GeoJSON / OGC order)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            parts = [float(p) for p in str(value).split(",")]
        except ValueError:
            parts = []
        if len(parts) != 4:
            raise ValidationError("bbox must be minLon,minLat,maxLon,maxLat (four numbers).")
        min_lon, min_lat, max_lon, max_lat = parts
        if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
            raise ValidationError("bbox must satisfy -180 <= minLon < maxLon <= 180 and -90 <= minLat < maxLat <= 90.")
        return min_lon, min_lat, max_lon, max_lat


class FilterQuery(StrictSchema):
    kind = fields.String(validate=validate.OneOf(KINDS))
    district = fields.String(validate=validate.Length(min=1, max=16))
    q = fields.String(validate=validate.Length(min=1, max=100))
    bbox = BBox()
    year = fields.Integer(validate=YEAR)
    flag = fields.String(validate=validate.OneOf(RULES))
    lang = fields.String(validate=validate.OneOf(("kk", "ru", "en")))


class InstitutionListQuery(FilterQuery):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class MapQuery(StrictSchema):
    kind = fields.String(validate=validate.OneOf(KINDS))
    district = fields.String(validate=validate.Length(min=1, max=16))
    year = fields.Integer(validate=YEAR)
    lang = fields.String(validate=validate.OneOf(("kk", "ru", "en")))


class StatsQuery(StrictSchema):
    group_by = fields.String(required=True, validate=validate.OneOf(("district", "kind", "specific", "year")))
    year = fields.Integer(validate=YEAR)
    kind = fields.String(validate=validate.OneOf(KINDS))
    lang = fields.String(validate=validate.OneOf(("kk", "ru", "en")))


class YearQuery(StrictSchema):
    year = fields.Integer(validate=YEAR)
    lang = fields.String(validate=validate.OneOf(("kk", "ru", "en")))


class LangQuery(StrictSchema):
    lang = fields.String(validate=validate.OneOf(("kk", "ru", "en")))


class ReviewInput(StrictSchema):
    text = fields.String(required=True, validate=validate.Length(min=5, max=2000))
    rating = fields.Integer(required=True, validate=validate.Range(1, 5))
    author_name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    language = fields.String(load_default="kk", validate=validate.OneOf(("kk", "ru")))


class DocumentInput(StrictSchema):
    year = fields.Integer(required=True, validate=YEAR)
    kind = fields.String(required=True, validate=validate.OneOf(DOCUMENT_KINDS))
    title = fields.String(required=True, validate=validate.Length(min=3, max=500))
    contract_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    media_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class DocumentOutput(Schema):
    id = fields.String()
    institution_id = fields.String()
    year = fields.Integer()
    kind = fields.String()
    title = fields.String()
    contract_id = fields.String(allow_none=True)
    media_id = fields.String(allow_none=True)
    sha256 = fields.String(allow_none=True)


class ReviewModeration(StrictSchema):
    decision = fields.String(required=True, validate=validate.OneOf(("publish", "reject")))


class ReviewQuery(StrictSchema):
    state = fields.String(load_default="pending", validate=validate.OneOf(("pending", "published", "rejected")))
    lang = fields.String(validate=validate.OneOf(("kk", "ru", "en")))


class ReviewOutput(Schema):
    id = fields.String()
    institution_id = fields.String()
    text = fields.String()
    rating = fields.Integer()
    author_name = fields.String()
    language = fields.String()
    state = fields.String()
    created_at = fields.DateTime()


class TotalsOutput(Schema):
    year = fields.Integer()
    plan = fields.String()
    adjusted_plan = fields.String()
    executed = fields.String()
    execution_pct = fields.String(allow_none=True)
    flag_count = fields.Integer()


class InstitutionSummary(Schema):
    id = fields.String()
    kind = fields.String()
    name_kk = fields.String()
    name_ru = fields.String()
    name = fields.String()
    bin = fields.String()
    district = fields.String()
    lat = fields.Float()
    lon = fields.Float()
    appeal_count = fields.Integer()
    totals = fields.Nested(TotalsOutput, allow_none=True)


class InstitutionPage(Schema):
    items = fields.List(fields.Nested(InstitutionSummary))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    year = fields.Integer()


# One row of a budget import (CSV or JSON). Amounts are decimal strings in tenge, at most 2 decimals.
MONEY = dict(required=True, as_string=True, places=2, validate=validate.Range(min=0, max=10**15))


class ImportRow(StrictSchema):
    institution_bin = fields.String(required=True, validate=validate.Regexp(r"^\d{12}$", error="BIN must be 12 digits."))
    year = fields.Integer(required=True, validate=YEAR)
    program_code = fields.String(required=True, validate=validate.Regexp(
        r"^\d{3}-\d{3}-\d{3}$", error="program_code must be administrator-program-subprogram, e.g. 464-003-011."))
    functional_group = fields.String(load_default=None, validate=validate.Regexp(r"^\d{2}$"))
    specific = fields.String(required=True, validate=validate.Regexp(r"^\d{3}$"))
    currency = fields.String(load_default="KZT", validate=validate.OneOf(("KZT",)))
    plan = fields.Decimal(**MONEY)
    adjusted_plan = fields.Decimal(**MONEY)
    executed_q1 = fields.Decimal(**MONEY)
    executed_q2 = fields.Decimal(**MONEY)
    executed_q3 = fields.Decimal(**MONEY)
    executed_q4 = fields.Decimal(**MONEY)


# ---- Documented answers ----------------------------------------------------------------------
# The views below build their bodies themselves (cached bytes, streams): these schemas only document
# them in the OpenAPI (`blp.alt_response`), they never serialize anything. Every key a body always has
# is required; nullable values allow None.

def money(**kwargs) -> fields.String:
    """An amount of tenge as a decimal string, e.g. "1025860549.90"."""
    return fields.String(required=True, metadata={"description": "tenge, a decimal string", "example": "1025860549.90"},
                         **kwargs)


def percent(**kwargs) -> fields.String:
    """A percentage as a decimal string (null when there is nothing to divide by)."""
    return fields.String(required=True, allow_none=True, metadata={"description": "a decimal string", "example": "96.31"},
                         **kwargs)


KIND = dict(required=True, validate=validate.OneOf(KINDS))
DISTRICT_KINDS = ("city", "district")


class District(Schema):
    id = fields.String(required=True, metadata={"description": "KATO prefix, or a slug where it is unknown"})
    kind = fields.String(required=True, validate=validate.OneOf(DISTRICT_KINDS))
    kato_prefix = fields.String(required=True, allow_none=True)
    name_kk = fields.String(required=True)
    name_ru = fields.String(required=True)
    centre_kk = fields.String(required=True)
    centre_ru = fields.String(required=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    radius_deg = fields.Float(required=True)


class DistrictList(Schema):
    items = fields.List(fields.Nested(District), required=True)


class Specific(Schema):
    code = fields.String(required=True, metadata={"description": "specific of the economic classification"})
    name_kk = fields.String(required=True)
    name_ru = fields.String(required=True)
    name_en = fields.String(required=True)
    name_kk_verified = fields.Boolean(required=True, metadata={"description": "the Kazakh name was checked"})


class SpecificList(Schema):
    items = fields.List(fields.Nested(Specific), required=True)


class Geometry(Schema):
    """GeoJSON geometry: a Point ([lon, lat]), or a LineString (a list of [lon, lat]) for roads."""
    type = fields.String(required=True, validate=validate.OneOf(("Point", "LineString")))
    coordinates = fields.List(fields.Raw(), required=True)


class InstitutionDistrict(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(DISTRICT_KINDS))
    name_kk = fields.String(required=True)
    name_ru = fields.String(required=True)


class CostUnit(Schema):
    """What the unit cost is counted per (pupil, child, bed, visit, km...)."""
    code = fields.String(required=True)
    kk = fields.String(required=True)
    ru = fields.String(required=True)


class ReviewSummary(Schema):
    count = fields.Integer(required=True, metadata={"description": "published reviews"})
    average_rating = fields.String(required=True, allow_none=True, metadata={"description": "a decimal string"})


class PeerRank(Schema):
    """The institution's place by unit cost among the same kind (1 = cheapest); null without a unit cost."""
    district = fields.Integer(required=True, allow_none=True)
    district_peers = fields.Integer(required=True, allow_none=True)
    region = fields.Integer(required=True, allow_none=True)
    region_peers = fields.Integer(required=True, allow_none=True)


class InstitutionYear(Schema):
    year = fields.Integer(required=True)
    plan = money()
    adjusted_plan = money()
    executed = money()
    execution_pct = percent()
    headcount = fields.String(required=True, allow_none=True, metadata={
        "description": "pupils, children, beds... as a decimal string", "pattern": r"^\d+(\.\d+)?$"})
    unit_cost = money(allow_none=True)
    rank = fields.Nested(PeerRank, required=True)
    flag_count = fields.Integer(required=True)


class InstitutionDetail(Schema):
    id = fields.String(required=True)
    kind = fields.String(**KIND)
    name_kk = fields.String(required=True)
    name_ru = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "in the language asked for"})
    bin = fields.String(required=True)
    address_kk = fields.String(required=True)
    address_ru = fields.String(required=True)
    district = fields.Nested(InstitutionDistrict, required=True)
    geometry = fields.Nested(Geometry, required=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    contact_emails = fields.List(fields.String(), required=True)
    admin_code = fields.String(required=True, metadata={"description": "budget program administrator"})
    appeal_count = fields.Integer(required=True)
    unit = fields.Nested(CostUnit, required=True)
    reviews = fields.Nested(ReviewSummary, required=True)
    years = fields.List(fields.Nested(InstitutionYear), required=True)


class LineSpecific(Schema):
    code = fields.String(required=True)
    name_kk = fields.String(required=True)
    name_ru = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "in the language asked for"})


class QuarterlyExecution(Schema):
    q1 = money()
    q2 = money()
    q3 = money()
    q4 = money()
    total = money()


class BudgetLine(Schema):
    id = fields.Integer(required=True)
    program_code = fields.String(required=True, metadata={"description": "administrator-program-subprogram"})
    functional_group = fields.String(required=True)
    specific = fields.Nested(LineSpecific, required=True)
    plan = money()
    adjusted_plan = money()
    executed = fields.Nested(QuarterlyExecution, required=True)


class Contract(Schema):
    id = fields.String(required=True, metadata={"description": "the procurement contract number"})
    budget_line_id = fields.Integer(required=True)
    supplier_name = fields.String(required=True)
    supplier_bin = fields.String(required=True)
    subject = fields.String(required=True)
    method = fields.String(required=True, validate=validate.OneOf(PROCUREMENT_METHODS))
    amount = money()
    signed_on = fields.Date(required=True)


class YearDocument(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(DOCUMENT_KINDS))
    title = fields.String(required=True)
    contract_id = fields.String(required=True, allow_none=True)
    media_id = fields.String(required=True, allow_none=True)
    sha256 = fields.String(required=True, allow_none=True, metadata={"description": "null until media reports it"})


class RedFlag(Schema):
    rule = fields.String(required=True, validate=validate.OneOf(RULES))
    numbers = fields.Dict(required=True, metadata={"description": "the figures the rule compared (per rule)"})
    explanation = fields.String(required=True, metadata={"description": "in the language asked for"})
    explanation_kk = fields.String(required=True)
    explanation_ru = fields.String(required=True)


class YearBudget(Schema):
    institution_id = fields.String(required=True)
    year = fields.Integer(required=True)
    currency = fields.String(required=True, validate=validate.OneOf(("KZT",)))
    lines = fields.List(fields.Nested(BudgetLine), required=True)
    contracts = fields.List(fields.Nested(Contract), required=True)
    documents = fields.List(fields.Nested(YearDocument), required=True)
    red_flags = fields.List(fields.Nested(RedFlag), required=True)


class MapProperties(Schema):
    kind = fields.String(**KIND)
    name_kk = fields.String(required=True)
    name_ru = fields.String(required=True)
    district = fields.String(required=True)
    year = fields.Integer(required=True)
    plan = money(allow_none=True)
    adjusted_plan = money(allow_none=True)
    executed = money(allow_none=True)
    execution_pct = percent()
    flag_count = fields.Integer(required=True)
    appeal_count = fields.Integer(required=True)


class MapFeature(Schema):
    type = fields.String(required=True, validate=validate.OneOf(("Feature",)))
    id = fields.String(required=True, metadata={"description": "the institution id"})
    geometry = fields.Nested(Geometry, required=True)
    properties = fields.Nested(MapProperties, required=True, metadata={"description": "amounts are null without a "
                                                                                      "budget for the year"})


class InstitutionMap(Schema):
    """A GeoJSON FeatureCollection of institutions, with the year its amounts are for."""
    type = fields.String(required=True, validate=validate.OneOf(("FeatureCollection",)))
    year = fields.Integer(required=True)
    features = fields.List(fields.Nested(MapFeature), required=True)


class StatsGroup(Schema):
    key = fields.String(required=True, metadata={"description": "district id, kind, specific code or year"})
    institutions = fields.Integer(required=True)
    plan = money()
    adjusted_plan = money()
    executed = money()
    execution_pct = percent()
    flag_count = fields.Integer(required=True, allow_none=True, metadata={"description": "null by specific"})
    name_kk = fields.String(metadata={"description": "by district and by specific only"})
    name_ru = fields.String(metadata={"description": "by district and by specific only"})
    name = fields.String(metadata={"description": "by district and by specific only, in the language asked for"})


class BudgetStats(Schema):
    group_by = fields.String(required=True, validate=validate.OneOf(("district", "kind", "specific", "year")))
    year = fields.Integer(required=True, allow_none=True, metadata={"description": "null: every year"})
    kind = fields.String(required=True, allow_none=True, validate=validate.OneOf(KINDS),
                         metadata={"description": "null: every kind"})
    currency = fields.String(required=True, validate=validate.OneOf(("KZT",)))
    groups = fields.List(fields.Nested(StatsGroup), required=True)


class OpenDataLine(Schema):
    """One budget line of the open-data export, with its institution."""
    institution_id = fields.String(required=True)
    institution_bin = fields.String(required=True)
    kind = fields.String(**KIND)
    name_kk = fields.String(required=True)
    name_ru = fields.String(required=True)
    district = fields.String(required=True)
    year = fields.Integer(required=True)
    program_code = fields.String(required=True)
    functional_group = fields.String(required=True)
    specific = fields.String(required=True)
    currency = fields.String(required=True)
    plan = money()
    adjusted_plan = money()
    executed_q1 = money()
    executed_q2 = money()
    executed_q3 = money()
    executed_q4 = money()
    executed = money()


class ImportResult(Schema):
    rows = fields.Integer(required=True, metadata={"description": "budget lines in the file"})
    changed_lines = fields.Integer(required=True, metadata={"description": "inserted or with new values"})
    institutions = fields.Integer(required=True, metadata={"description": "institutions with a changed line"})
    years = fields.List(fields.Integer(), required=True, metadata={"description": "years with a changed line"})
    events = fields.Integer(required=True, metadata={"description": "budget_updated events published"})
    sha256 = fields.String(required=True, metadata={"description": "of the file"})
