"""The chassis answers every error as problem JSON, never as an HTML traceback."""
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields

from services.common.settings import Settings
from services.common.web import add_readiness_check, create_service_app


class Body(Schema):
    class Meta:
        unknown = RAISE
    name = fields.String(required=True)


def make_app():
    settings = Settings.for_service("budget", max_body_bytes=1024)
    app, api = create_service_app(settings, title="test")
    blp = Blueprint("t", __name__, url_prefix="/api/budget/v1")

    @blp.route("/things", methods=["POST"])
    @blp.arguments(Body)
    def create(body):
        return {"ok": body["name"]}

    @blp.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    api.register_blueprint(blp)
    add_readiness_check(app, "database", lambda: None)
    add_readiness_check(app, "kafka", lambda: (_ for _ in ()).throw(ConnectionError("down")), required=False)
    return app


def test_validation_errors_are_422_with_field_errors_in_the_requested_language():
    response = make_app().test_client().post("/api/budget/v1/things?lang=ru", json={"nmae": "x"})
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert response.json["errors"] == {"name": ["Обязательное поле не заполнено."],
                                       "nmae": ["Неизвестное поле."]}


def test_malformed_json_is_400():
    response = make_app().test_client().post("/api/budget/v1/things", data="{not json",
                                             content_type="application/json")
    assert response.status_code == 400
    assert response.json["status"] == 400


def test_unknown_route_is_a_json_404():
    response = make_app().test_client().get("/api/budget/v1/nowhere")
    assert response.status_code == 404 and response.json["title"] == "Табылмады"


def test_a_body_over_the_limit_is_413():
    response = make_app().test_client().post("/api/budget/v1/things", data="x" * 5000,
                                             content_type="application/json")
    assert response.status_code == 413


def test_an_unexpected_error_is_a_500_without_internals():
    response = make_app().test_client().get("/api/budget/v1/boom")
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_readiness_reports_optional_dependencies_as_degraded_not_unready():
    response = make_app().test_client().get("/api/budget/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "degraded" and response.json["degraded"] == ["kafka"]


def test_request_id_is_echoed():
    response = make_app().test_client().get("/api/budget/healthz", headers={"X-Request-Id": "abc-123"})
    assert response.headers["X-Request-Id"] == "abc-123"
