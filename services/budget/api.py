"""HTTP entry points of the budget service: public reads (cached), reviews, operator imports."""
from __future__ import annotations

import json
import time
from datetime import datetime

from flask import Response, current_app, g, request, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE
from redis.exceptions import RedisError

from services.common.auth import require_role
from services.common.errors import Problem

from . import exports, importer, usecases
from .cache import etag_of
from .schemas import (BudgetStats, DistrictList, DocumentInput, DocumentOutput, FilterQuery, ImportResult, InstitutionDetail,
                      InstitutionListQuery, InstitutionMap, InstitutionPage, LangQuery, MapQuery, OpenDataLine, ReviewInput,
                      ReviewModeration, ReviewOutput, ReviewQuery, SpecificList, StatsQuery, YearBudget, YearQuery)

blp = Blueprint("budget", __name__, url_prefix="/api/budget/v1",
                description="Institutions of the region, their budgets, red flags, reviews and open data")


def ctx():
    return current_app.extensions["budget"]


def _json_bytes(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_default).encode()


def _default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def cached(key: str, build, mimetype: str = "application/json") -> Response:
    """Serve the cached bytes of `key` (no database query), or build, cache and serve them; gzipped when the
    client accepts it (compressed once, when cached); 304 on a matching If-None-Match. Redis being down only
    costs the cache: the answer is built from the database."""
    c = ctx()
    gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
    hit = None
    try:
        hit = c.cache.get(key, gzipped)
    except RedisError:
        pass
    if hit is not None:
        etag, body = hit
        state = "HIT"
    else:
        state = "MISS"
        plain = _json_bytes(build())
        try:
            etag, packed = c.cache.put(key, plain)
        except RedisError:
            etag, packed, gzipped = etag_of(plain), b"", False
        body = packed if gzipped else plain
        if gzipped:
            etag = etag[:-1] + '-gz"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={c.cache_seconds}", "X-Cache": state,
               "Vary": "Accept-Encoding, Accept-Language"}
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    if request.if_none_match.contains_weak(etag.strip('"')):  # nginx's gzip weakens the ETag
        return Response(status=304, headers=headers)
    return Response(body, mimetype=mimetype, headers=headers)


CACHED_DOC = {"responses": {
    "304": {"description": "Not modified (If-None-Match matched the ETag)"},
    "404": {"description": "Unknown institution"},
    "422": {"description": "Invalid filter; the errors list the allowed values"}}}


def cached_answer(schema, content_type: str = "application/json"):
    """Documents the 200 body of a view answering through `cached` (the schema is documentation only: the
    body is the cached bytes)."""
    return blp.alt_response(200, schema=schema, content_type=content_type, success=True, description=(
        "The answer (Redis-cached; `ETag`, `Cache-Control`, `X-Cache: HIT|MISS`; gzip when accepted)"))


def _check_district(value: str | None) -> None:
    if value is not None and value not in ctx().reference.district_ids():
        allowed = sorted(ctx().reference.district_ids())
        raise Problem(422, errors={"district": [f"Must be one of: {', '.join(allowed)}."]})


def _year(value: int | None) -> int:
    ref = ctx().reference
    if value is None:
        return ref.default_year()
    if value not in ref.years():
        raise Problem(422, errors={"year": [f"Must be one of: {', '.join(map(str, ref.years()))}."]})
    return value


@blp.route("/institutions")
class Institutions(MethodView):
    @blp.arguments(InstitutionListQuery, location="query", unknown=RAISE)
    @blp.response(200, InstitutionPage)
    def get(self, query):
        """Institutions with their totals for a year: filter by kind, district, text (kk/ru), bbox, red flag."""
        _check_district(query.get("district"))
        return usecases.list_institutions(ctx().sessions, query, _year(query.get("year")), g.lang)


@blp.route("/institutions/<string:institution_id>")
class Institution(MethodView):
    @blp.doc(**CACHED_DOC)
    @cached_answer(InstitutionDetail)
    @blp.arguments(LangQuery, location="query", unknown=RAISE)
    def get(self, _query, institution_id):
        """An institution with yearly totals, unit cost and its rank among the same kind (district, region)."""
        return cached(ctx().cache.detail_key(institution_id, g.lang),
                      lambda: usecases.institution_detail(ctx().sessions, institution_id, g.lang))


@blp.route("/institutions/<string:institution_id>/budget")
class InstitutionBudget(MethodView):
    @blp.doc(**CACHED_DOC)
    @cached_answer(YearBudget)
    @blp.arguments(YearQuery, location="query", unknown=RAISE)
    def get(self, query, institution_id):
        """One year's breakdown by specific and quarter, contracts, documents and red flags with explanations."""
        year = _year(query.get("year"))
        return cached(ctx().cache.budget_key(institution_id, year, g.lang),
                      lambda: usecases.institution_budget(ctx().sessions, institution_id, year, g.lang))


@blp.route("/map.geojson")
class Map(MethodView):
    @blp.doc(**CACHED_DOC)
    @cached_answer(InstitutionMap, "application/geo+json")
    @blp.arguments(MapQuery, location="query", unknown=RAISE)
    def get(self, query):
        """A GeoJSON FeatureCollection of institutions; each feature's id is the institution id."""
        _check_district(query.get("district"))
        year = _year(query.get("year"))
        kind, district = query.get("kind"), query.get("district")
        return cached(ctx().cache.map_key(year, kind, district),
                      lambda: usecases.map_features(ctx().sessions, year, kind, district), "application/geo+json")


@blp.route("/stats")
class Stats(MethodView):
    @blp.doc(**CACHED_DOC)
    @cached_answer(BudgetStats)
    @blp.arguments(StatsQuery, location="query", unknown=RAISE)
    def get(self, query):
        """Totals grouped by district, kind, specific or year."""
        year = None if query.get("year") is None else _year(query["year"])
        key = ctx().cache.stats_key(query["group_by"], year, query.get("kind")) + f":{g.lang}"
        return cached(key, lambda: usecases.stats(ctx().sessions, query["group_by"], year, query.get("kind"), g.lang))


@blp.route("/districts")
class Districts(MethodView):
    @blp.alt_response(200, schema=DistrictList, success=True, description="Every city and district")
    @blp.arguments(LangQuery, location="query", unknown=RAISE)
    def get(self, _query):
        """Cities and districts of the region (kk/ru), with their centres."""
        return {"items": usecases.districts(ctx().sessions)}


@blp.route("/classification/specifics")
class Specifics(MethodView):
    @blp.alt_response(200, schema=SpecificList, success=True, description="Every specific, by code")
    @blp.arguments(LangQuery, location="query", unknown=RAISE)
    def get(self, _query):
        """Specifics of the economic classification of expenditures (kk names not yet verified)."""
        return {"items": usecases.specifics(ctx().sessions)}


def _export_filters(query) -> tuple[dict, int | None]:
    _check_district(query.get("district"))
    year = None if query.get("year") is None else _year(query["year"])
    if query.get("flag") and year is None:
        year = ctx().reference.default_year()
    return query, year


@blp.route("/export.csv")
class ExportCsv(MethodView):
    @blp.alt_response(200, schema={"type": "string", "format": "binary"}, content_type="text/csv", success=True,
                      description="CSV with a header row (the keys of the JSON export), streamed as an attachment")
    @blp.arguments(FilterQuery, location="query", unknown=RAISE)
    def get(self, query):
        """Open data: every budget line with its institution, streamed as CSV (same filters as /institutions)."""
        f, year = _export_filters(query)
        stream = exports.csv_stream(ctx().engine, f, year)
        return Response(stream_with_context(stream), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=akmola-budget.csv"})


@blp.route("/export.json")
class ExportJson(MethodView):
    @blp.alt_response(200, schema=OpenDataLine(many=True), success=True,
                      description="A JSON array of budget lines, streamed as an attachment")
    @blp.arguments(FilterQuery, location="query", unknown=RAISE)
    def get(self, query):
        """Open data as a streamed JSON array of budget lines."""
        f, year = _export_filters(query)
        stream = exports.json_stream(ctx().engine, f, year)
        return Response(stream_with_context(stream), mimetype="application/json",
                        headers={"Content-Disposition": "attachment; filename=akmola-budget.json"})


@blp.route("/institutions/<string:institution_id>/reviews")
class Reviews(MethodView):
    @blp.arguments(LangQuery, location="query", unknown=RAISE)
    @blp.response(200, ReviewOutput(many=True))
    def get(self, _query, institution_id):
        """Published reviews of an institution."""
        return usecases.reviews(ctx().sessions, institution_id=institution_id)

    @blp.arguments(ReviewInput)
    @blp.response(201, ReviewOutput)
    def post(self, body, institution_id):
        """Leave a review; it is shown after moderation. Rate-limited per client address."""
        client = request.headers.get("X-Real-IP") or request.remote_addr or "?"
        ctx().rate_limiter.enforce("review", client, limit=ctx().review_limit, window_seconds=3600)
        return usecases.submit_review(ctx().sessions, institution_id, body)


@blp.route("/institutions/<string:institution_id>/documents")
class Documents(MethodView):
    @require_role("operator")  # before the body: strangers get 401, not 422
    @blp.arguments(DocumentInput)
    @blp.response(201, DocumentOutput)
    def post(self, body, institution_id):
        """Operators: attach a supporting document (a file stored by the media service) to a year."""
        c = ctx()
        document = usecases.add_document(c.sessions, institution_id, body, c.thresholds)
        c.cache.invalidate(years={body["year"]}, institution_ids=[institution_id])
        return document


@blp.route("/reviews")
class ReviewQueue(MethodView):
    @require_role("operator")  # before the body: strangers get 401, not 422
    @blp.arguments(ReviewQuery, location="query", unknown=RAISE)
    @blp.response(200, ReviewOutput(many=True))
    def get(self, query):
        """Operators: reviews by moderation state (pending by default)."""
        return usecases.reviews(ctx().sessions, state=query["state"])


@blp.route("/reviews/<string:review_id>/moderation")
class ReviewModerationView(MethodView):
    @require_role("operator")  # before the body: strangers get 401, not 422
    @blp.arguments(ReviewModeration)
    @blp.response(200, ReviewOutput)
    def post(self, body, review_id):
        """Operators: publish or reject a review."""
        return usecases.moderate_review(ctx().sessions, review_id, body["decision"])


@blp.route("/imports")
class Imports(MethodView):
    @require_role("operator")
    @blp.alt_response(200, schema=ImportResult, success=True, description="Imported (or already there: nothing changed)")
    def post(self):
        """Operators: import budget lines (text/csv, application/json, or multipart `file`). All or nothing:
        any bad row rejects the file with every bad row listed; re-importing the same file changes nothing."""
        content, fmt = _import_body()
        c = ctx()
        try:
            result = importer.import_file(c.sessions, content, fmt, actor=f"operator:{g.principal.subject}",
                                          thresholds=c.thresholds, cache=c.cache)
        except importer.ImportRejected as exc:
            raise Problem(422, {"kk": "Файл қабылданбады: ештеңе импортталмады",
                                "ru": "Файл отклонён: ничего не импортировано", "en": str(exc)}, errors=exc.errors)
        c.reference.forget()
        return result, 200


def _import_body() -> tuple[bytes, str]:
    mimetype = request.mimetype
    if mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise Problem(422, errors={"file": ["Missing data for required field."]})
        name = (upload.filename or "").lower()
        return upload.read(), "json" if name.endswith(".json") or upload.mimetype == "application/json" else "csv"
    if mimetype in ("text/csv", "application/csv"):
        return request.get_data(), "csv"
    if mimetype == "application/json":
        return request.get_data(), "json"
    raise Problem(415, {"kk": "text/csv, application/json немесе multipart/form-data күтіледі",
                        "ru": "Ожидается text/csv, application/json или multipart/form-data",
                        "en": "expected text/csv, application/json or multipart/form-data"})


class Reference:
    """District ids and budget years, kept in the process for a minute: validating a cached map request
    costs no database query."""

    def __init__(self, sessions, ttl: float = 60.0):
        self.sessions = sessions
        self.ttl = ttl
        self._loaded_at = 0.0
        self._districts: set[str] = set()
        self._years: list[int] = []

    def _load(self) -> None:
        if time.monotonic() - self._loaded_at < self.ttl and self._years:
            return
        self._districts = {d["id"] for d in usecases.districts(self.sessions)}
        self._years = usecases.years(self.sessions)
        self._loaded_at = time.monotonic()

    def forget(self) -> None:
        self._loaded_at = 0.0

    def district_ids(self) -> set[str]:
        self._load()
        return self._districts

    def years(self) -> list[int]:
        self._load()
        return self._years

    def default_year(self) -> int:
        """The latest closed year (the current one is still being executed); any year if only that one exists."""
        years = self.years()
        if not years:
            return datetime.now().year
        closed = [y for y in years if y < datetime.now().year]
        return max(closed or years)
