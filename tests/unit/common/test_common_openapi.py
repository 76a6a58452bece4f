"""Every service's OpenAPI documents its errors as problem JSON and its protected operations' access."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields

from services.common.auth import require_role
from services.common.openapi import PROBLEM_CONTENT_TYPE
from services.common.settings import Settings
from services.common.web import create_service_app


class Body(Schema):
    class Meta:
        unknown = RAISE
    name = fields.String(required=True)


def spec_of_a_service():
    app, api = create_service_app(Settings.for_service("budget"), title="test")
    public = Blueprint("public", __name__, url_prefix="/api/budget/v1")
    guarded = Blueprint("guarded", __name__, url_prefix="/api/budget/v1/staff")
    guarded.required_roles = ("staff",)

    @public.route("/things", methods=["POST"])
    @public.arguments(Body)
    @public.response(201)
    @public.alt_response(409, description="Already there")
    def create(body):
        return {}

    @public.route("/secrets")
    @require_role("operator")
    @public.response(200)
    def secrets():
        return {}

    @guarded.route("/things")
    class StaffThings(MethodView):
        @guarded.response(200)
        def get(self):
            return {}

    api.register_blueprint(public)
    api.register_blueprint(guarded)
    return app.test_client().get("/api/budget/openapi.json").json


def resolved(spec, response):
    if "$ref" in response:
        return spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response


def test_every_error_answer_is_documented_as_problem_json():
    spec = spec_of_a_service()
    responses = spec["paths"]["/api/budget/v1/things"]["post"]["responses"]
    for status in ("409", "422", "default"):
        content = resolved(spec, responses[status])["content"]
        assert content == {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status"}
    assert problem["additionalProperties"] is True  # extension members: a 503's dependency, a 413's limit...


def test_a_role_on_the_view_or_its_blueprint_documents_the_token_and_401_403():
    spec = spec_of_a_service()
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path in ("/api/budget/v1/secrets", "/api/budget/v1/staff/things"):
        operation = spec["paths"][path]["get"]
        assert operation["security"] == [{"bearerAuth": []}]
        assert {"401", "403"} <= operation["responses"].keys()
        assert PROBLEM_CONTENT_TYPE in operation["responses"]["401"]["content"]


def test_public_operations_ask_for_no_token():
    operation = spec_of_a_service()["paths"]["/api/budget/v1/things"]["post"]
    assert "security" not in operation and "401" not in operation["responses"]
