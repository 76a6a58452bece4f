"""HTTP input (strict, `unknown = RAISE`) and output of the budget API. Money is a decimal string (tenge)."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from .domain.kinds import DOCUMENT_KINDS, KINDS
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
