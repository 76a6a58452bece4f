"""Operators (the authorised body): every appeal, the workflow's side paths, notes, holidays, accounts."""
from __future__ import annotations

from datetime import date

from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.auth import current_principal
from services.common.errors import Problem

from .. import accounts, queries, workflow
from ..domain.appeal import Status
from ..schemas import (AccountCreateSchema, AccountListSchema, AccountPatchSchema, AccountQuerySchema, AccountSchema,
                       AppealTransitionSchema, DeadlineSweepResultSchema, ExtendSchema, ExtensionSchema,
                       HolidayCalendarSchema, HolidayEntrySchema, HolidayQuerySchema, HolidaySchema,
                       InternalNoteSchema, NewAccountSchema, NoteSchema, OperatorAppealListSchema,
                       OperatorAppealSchema, OperatorListQuerySchema, ReasonSchema, RedirectionSchema, RedirectSchema,
                       RejectSchema, SweepSchema)
from .base import ctx, now

blp = Blueprint("appeals-operator", __name__, url_prefix="/api/appeals/v1/operator", description="Operators")
blp.required_roles = ("operator",)  # checked by the guard below; documented in the OpenAPI


@blp.before_request
def operators_only():
    """Checked before any input is read: 401 without a token, 403 for other roles."""
    if current_principal().role != "operator":
        raise Problem(403, {"kk": "Тек операторлар үшін", "ru": "Только для операторов", "en": "operators only"})


@blp.route("/appeals")
class OperatorAppeals(MethodView):
    @blp.arguments(OperatorListQuerySchema, location="query")
    @blp.response(200)
    @blp.alt_response(200, schema=OperatorAppealListSchema, success=True)
    def get(self, query):
        """Every appeal, filtered by status, district, institution, kind, category, overdue, dates, text."""
        return queries.operator_list(ctx().sessions, query, today=workflow.almaty_day(now()))


@blp.route("/appeals/<string:appeal_id>")
class OperatorAppeal(MethodView):
    @blp.response(200)
    @blp.alt_response(200, schema=OperatorAppealSchema, success=True)
    def get(self, appeal_id):
        """The whole appeal: applicant, timeline, answers, internal notes, the transitions allowed now."""
        return queries.operator_detail(ctx().sessions, appeal_id)


@blp.route("/appeals/<string:appeal_id>/reject", methods=["POST"])
@blp.arguments(RejectSchema)
@blp.response(200)
@blp.alt_response(200, schema=AppealTransitionSchema, success=True)
def reject(body, appeal_id):
    """Reject: spam, duplicate, or not about a budget."""
    return workflow.reject(ctx().sessions, appeal_id, body["reason"], body["comment"], now=now())


@blp.route("/appeals/<string:appeal_id>/redirect", methods=["POST"])
@blp.arguments(RedirectSchema)
@blp.response(200)
@blp.alt_response(200, schema=RedirectionSchema, success=True)
def redirect(body, appeal_id):
    """Forward to the competent institution (the law allows 3 working days; `timely` tells)."""
    return workflow.redirect(ctx().sessions, appeal_id, body["institution_id"], body["reason"], now=now())


@blp.route("/appeals/<string:appeal_id>/extend", methods=["POST"])
@blp.arguments(ExtendSchema)
@blp.response(200)
@blp.alt_response(200, schema=ExtensionSchema, success=True)
def extend(body, appeal_id):
    """Extend the deadline once, by a reasoned decision, by no more than two months."""
    return workflow.extend(ctx().sessions, appeal_id, body["until"], body["reason"], now=now())


def _operator_move(to: Status):
    def view(body, appeal_id):
        return workflow.operator_move(ctx().sessions, appeal_id, to, body["reason"], now=now())
    view.__name__ = f"move_to_{to.value}"
    view.__doc__ = f"Move the appeal to {to.value} (with a reason)."
    return view


for _path, _status in (("escalate", Status.ESCALATED), ("close", Status.CLOSED), ("return", Status.IN_PROGRESS)):
    blp.route(f"/appeals/<string:appeal_id>/{_path}", methods=["POST"], endpoint=_path)(
        blp.arguments(ReasonSchema)(blp.response(200)(
            blp.alt_response(200, schema=AppealTransitionSchema, success=True)(_operator_move(_status)))))


@blp.route("/appeals/<string:appeal_id>/notes", methods=["POST"])
@blp.arguments(NoteSchema)
@blp.response(201)
@blp.alt_response(201, schema=InternalNoteSchema, success=True)
def add_note(body, appeal_id):
    """An internal note: seen by operators only."""
    return workflow.add_note(ctx().sessions, appeal_id, current_principal(), body["text"], now=now())


@blp.route("/holidays")
class Holidays(MethodView):
    @blp.arguments(HolidayQuerySchema, location="query")
    @blp.response(200)
    @blp.alt_response(200, schema=HolidayCalendarSchema, success=True)
    def get(self, query):
        """The holiday calendar deadlines are counted on."""
        return {"items": accounts.list_holidays(ctx().sessions, query["year"])}


@blp.route("/holidays/<string:day>")
class Holiday(MethodView):
    @blp.arguments(HolidaySchema)
    @blp.response(200)
    @blp.alt_response(200, schema=HolidayEntrySchema, success=True)
    def put(self, body, day):
        """Add or rename a day off (applies to deadlines computed from now on)."""
        return accounts.put_holiday(ctx().sessions, _day(day), body["name"])

    @blp.response(204)
    def delete(self, day):
        accounts.delete_holiday(ctx().sessions, _day(day))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Problem(422, errors={"day": ["Not a valid date."]})


@blp.route("/accounts")
class Accounts(MethodView):
    @blp.arguments(AccountQuerySchema, location="query")
    @blp.response(200)
    @blp.alt_response(200, schema=AccountListSchema, success=True)
    def get(self, query):
        return {"items": accounts.list_accounts(ctx().sessions, role=query["role"],
                                                institution_id=query["institution_id"])}

    @blp.arguments(AccountCreateSchema)
    @blp.response(201)
    @blp.alt_response(201, schema=NewAccountSchema, success=True)
    def post(self, body):
        """Create a staff (one institution) or operator account; the password is shown once."""
        return accounts.create_account(ctx().sessions, **body)


@blp.route("/accounts/<string:account_id>")
class Account(MethodView):
    @blp.arguments(AccountPatchSchema)
    @blp.response(200)
    @blp.alt_response(200, schema=AccountSchema, success=True)
    def patch(self, body, account_id):
        """Deactivate or reactivate an account, or set its password."""
        return accounts.update_account(ctx().sessions, account_id, active=body["active"], password=body["password"])


@blp.route("/deadline-sweep", methods=["POST"])
@blp.arguments(SweepSchema)
@blp.response(200)
@blp.alt_response(200, schema=DeadlineSweepResultSchema, success=True)
def deadline_sweep(body):
    """Development only: run the worker's deadline loop once at an injected time for the given appeals."""
    if not ctx().settings.development:
        raise Problem(404)
    return workflow.deadline_sweep(ctx().sessions, now=body["now"], appeal_ids=body["appeal_ids"])
