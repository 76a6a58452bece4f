"""Institution staff: their institution's appeals only, without the applicant's email or phone."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.auth import current_principal
from services.common.errors import Problem

from .. import queries, workflow
from ..schemas import (AnswerSchema, AppealTransitionSchema, StaffAppealDetailSchema, StaffAppealListSchema,
                       StaffListQuerySchema)
from .base import ctx, now

blp = Blueprint("appeals-staff", __name__, url_prefix="/api/appeals/v1/staff", description="Institution staff")
blp.required_roles = ("staff",)  # checked by the guard below; documented in the OpenAPI


@blp.before_request
def staff_only():
    """Checked before any input is read: 401 without a token, 403 for other roles."""
    principal = current_principal()
    if principal.role != "staff" or not principal.institution_id:
        raise Problem(403, {"kk": "Тек мекеме қызметкерлері үшін", "ru": "Только для сотрудников учреждений",
                            "en": "institution staff only"})


def staff():
    return current_principal()


@blp.route("/appeals")
class StaffAppeals(MethodView):
    @blp.arguments(StaffListQuerySchema, location="query")
    @blp.response(200)
    @blp.alt_response(200, schema=StaffAppealListSchema, success=True)
    def get(self, query):
        """The caller's institution's appeals, most urgent first: late (overdue, escalated or past the deadline),
        then the others awaiting the institution, then answered and finished ones; nearest deadline first in each."""
        return queries.staff_list(ctx().sessions, staff(), status=query["status"], limit=query["limit"],
                                  offset=query["offset"], today=workflow.almaty_day(now()))


@blp.route("/appeals/<string:appeal_id>")
class StaffAppeal(MethodView):
    @blp.response(200)
    @blp.alt_response(200, schema=StaffAppealDetailSchema, success=True)
    def get(self, appeal_id):
        return queries.staff_detail(ctx().sessions, staff(), appeal_id)


@blp.route("/appeals/<string:appeal_id>/start", methods=["POST"])
@blp.response(200)
@blp.alt_response(200, schema=AppealTransitionSchema, success=True)
def start(appeal_id):
    """Take the appeal into work (in_progress)."""
    return workflow.start_work(ctx().sessions, appeal_id, staff(), now=now())


@blp.route("/appeals/<string:appeal_id>/answer", methods=["POST"])
@blp.arguments(AnswerSchema)
@blp.response(200)
@blp.alt_response(200, schema=AppealTransitionSchema, success=True)
def answer(body, appeal_id):
    """Answer with an explanation and evidence (media ids stored by the media service)."""
    return workflow.answer(ctx().sessions, appeal_id, staff(), body["text"], body["media_ids"], now=now())

