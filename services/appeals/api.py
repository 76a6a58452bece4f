"""HTTP entry points of the appeals service (citizens)."""
from __future__ import annotations


from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.errors import Problem

from . import usecases
from .schemas import AppealReceiptSchema, AppealSubmitSchema, AppealTrackingSchema, TrackingQuerySchema

blp = Blueprint("appeals", __name__, url_prefix="/api/appeals/v1", description="Citizen appeals")



def ctx():
    return current_app.extensions["appeals"]


@blp.route("/appeals")
class Appeals(MethodView):
    @blp.arguments(AppealSubmitSchema)
    @blp.response(201, AppealReceiptSchema)
    def post(self, body):
        """File an appeal. Answers only after the appeal and its event are committed."""
        key = request.headers.get("Idempotency-Key")
        if key is not None and not (1 <= len(key) <= 200):
            raise Problem(422, errors={"Idempotency-Key": ["Length must be between 1 and 200."]})
        c = ctx()
        return usecases.submit_appeal(c.sessions, body, public_url=c.settings.public_url, today=c.today(),
                                      idempotency_key=key)


@blp.route("/appeals/<string:ticket>")
class AppealTracking(MethodView):
    @blp.arguments(TrackingQuerySchema, location="query")
    @blp.response(200, AppealTrackingSchema)
    def get(self, query, ticket):
        """The citizen's tracking view: status, deadline and timeline (the token comes with the ticket)."""
        return usecases.track_appeal(ctx().sessions, ticket, query["token"])
