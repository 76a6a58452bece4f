"""Citizens: file an appeal, follow it with the ticket and token, dispute the answer; public lists and counts."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.errors import Problem

from .. import queries, usecases, workflow
from ..domain.appeal import CATEGORIES, CATEGORY_NAMES
from ..schemas import (AppealCountsSchema, AppealReceiptSchema, AppealSubmitSchema, AppealTrackingSchema,
                       CategoryListSchema, CountsQuerySchema, DisputedAppealSchema, DisputeSchema, NoopSchema,
                       PageQuerySchema, PublicAppealListSchema, TrackingQuerySchema)
from .base import ctx, now, submit_limits

blp = Blueprint("appeals", __name__, url_prefix="/api/appeals/v1", description="Citizen appeals")


@blp.route("/appeals")
class Appeals(MethodView):
    @blp.arguments(AppealSubmitSchema())  # an instance: a class would be built (with its nested ones) per request
    @blp.response(201, AppealReceiptSchema)
    @blp.alt_response(409, description="Idempotency-Key reused with another body")
    @blp.alt_response(429, description="Too many appeals from this address or email (Retry-After)")
    def post(self, body):
        """File an appeal. Answers only after the appeal, its history and its event are committed."""
        key = request.headers.get("Idempotency-Key")
        if key is not None and not (1 <= len(key) <= 200):
            raise Problem(422, errors={"Idempotency-Key": ["Length must be between 1 and 200."]})
        c = ctx()
        with submit_limits(body["applicant"]["email"], key):
            return usecases.submit_appeal(c.engine, body, public_url=c.settings.public_url, now=now(),
                                          idempotency_key=key)


@blp.route("/appeals/<string:ticket>")
class AppealTracking(MethodView):
    @blp.arguments(TrackingQuerySchema, location="query")
    @blp.response(200, AppealTrackingSchema)
    @blp.alt_response(401, description="No tracking token")
    @blp.alt_response(403, description="Unknown ticket or wrong token (the two are not told apart)")
    def get(self, query, ticket):
        """The citizen's view: status, deadline, timeline and answers (the token comes with the ticket)."""
        if not query.get("token"):
            raise Problem(401, {"kk": "Бақылау токені қажет", "ru": "Нужен токен отслеживания",
                                "en": "tracking token required"})
        return queries.track_appeal(ctx().sessions, ticket, query["token"])


@blp.route("/appeals/<string:ticket>/dispute")
class AppealDispute(MethodView):
    @blp.arguments(DisputeSchema)
    @blp.response(200)
    @blp.alt_response(200, schema=DisputedAppealSchema, success=True)
    @blp.alt_response(403, description="Unknown ticket or wrong token (the two are not told apart)")
    @blp.alt_response(409, description="Nothing to dispute now (no answer yet, or the 10 working days have passed)")
    def post(self, body, ticket):
        """Dispute the answer (within 10 working days of it): the appeal goes back to an operator."""
        return workflow.dispute(ctx().sessions, ticket, body["token"], body["reason"], now=now())


@blp.route("/institutions/<string:institution_id>/appeals")
class InstitutionAppeals(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200)
    @blp.alt_response(200, schema=PublicAppealListSchema, success=True)
    def get(self, query, institution_id):
        """An institution's appeals with their answers, for everyone: never any personal data."""
        return queries.public_list(ctx().sessions, institution_id, limit=query["limit"], offset=query["offset"])


@blp.route("/appeal-counts")
class AppealCounts(MethodView):
    @blp.arguments(CountsQuerySchema, location="query")
    @blp.response(200)
    @blp.alt_response(200, schema=AppealCountsSchema, success=True)
    def get(self, query):
        """Appeals per institution for the map: total, open, answered, overdue."""
        return {"items": queries.appeal_counts(ctx().sessions, query["institution_id"],
                                               today=workflow.almaty_day(now()))}


@blp.route("/categories")
class Categories(MethodView):
    @blp.response(200)
    @blp.alt_response(200, schema=CategoryListSchema, success=True)
    def get(self):
        """The categories of an appeal, in Kazakh and Russian."""
        return {"items": [{"code": code, **CATEGORY_NAMES[code]} for code in CATEGORIES]}


@blp.route("/noop", methods=["POST"])
@blp.response(200)
@blp.alt_response(200, schema=NoopSchema, success=True)
def noop():
    """Benchmark baseline: the same server and chassis, no work (bench/appeals_intake.py)."""
    return {"ok": True}
