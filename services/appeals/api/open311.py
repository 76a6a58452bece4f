"""Open311 GeoReport v2 at /open311/v2/: the standard civic-reporting clients speak (JSON and XML).

Errors use the spec's format (a list of {code, description}) instead of problem JSON.
POSTed requests go through the same intake rules as the JSON API (idempotency keys excepted).
"""
from __future__ import annotations

from datetime import datetime

import flask
from flask import Blueprint, g, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from services.common.errors import Problem
from services.common.i18n import translate_errors

from .. import accounts, open311, usecases
from ..schemas import AppealSubmitSchema
from .base import ctx, now, submit_limits

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
_SUBMIT_SCHEMA = AppealSubmitSchema()  # built once: building a schema costs more than loading with it
FORMAT = "<any(json,xml):fmt>"
ROOTS = {"discovery": "discovery", "services": "services", "definition": "service_definition",
         "requests": "service_requests", "errors": "errors"}


def render(payload, root: str, fmt: str, status: int = 200):
    if fmt == "xml":
        return flask.Response(open311.to_xml(ROOTS[root], payload), status, content_type="text/xml; charset=utf-8")
    response = flask.make_response(flask.json.dumps(payload, ensure_ascii=False), status)
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    return response


def _fmt() -> str:
    return "xml" if (request.view_args or {}).get("fmt") == "xml" or request.path.endswith(".xml") else "json"


def _lang() -> str:
    return "ru" if g.get("lang") == "ru" else "kk"


@bp.errorhandler(Problem)
def on_problem(error: Problem):
    status = 400 if error.status == 422 else error.status
    detail = error.detail
    if isinstance(detail, dict):
        detail = detail.get(g.get("lang", "kk")) or detail.get("ru")
    if error.errors:
        detail = "; ".join(f"{field}: {msgs}" for field, msgs in
                           _flatten(translate_errors(error.errors, g.get("lang", "kk"))))
    response = render([{"code": status, "description": detail or "error"}], "errors", _fmt(), status)
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


@bp.errorhandler(HTTPException)
def on_http_error(error: HTTPException):
    return render([{"code": error.code, "description": error.description}], "errors", _fmt(), error.code or 500)


def _flatten(errors, prefix: str = ""):
    if isinstance(errors, dict):
        for key, value in errors.items():
            yield from _flatten(value, f"{prefix}{key}." if not isinstance(value, (str, list)) else f"{prefix}{key}")
    elif isinstance(errors, list):
        yield prefix, " ".join(str(m) for m in errors)
    else:
        yield prefix, str(errors)


@bp.get(f"/discovery.{FORMAT}")
def discovery(fmt):
    return render(open311.discovery(ctx().settings.public_url), "discovery", fmt)


@bp.get(f"/services.{FORMAT}")
def services(fmt):
    return render(open311.services(_lang()), "services", fmt)


@bp.get(f"/services/<string:code>.{FORMAT}")
def service_definition(code, fmt):
    return render(open311.service_definition(code, _lang()), "definition", fmt)


@bp.get(f"/requests/<string:request_id>.{FORMAT}")
def get_request(request_id, fmt):
    found = open311.find_requests(ctx().sessions, {"ids": [request_id]}, _lang())
    if not found:
        raise Problem(404, f"unknown service_request_id {request_id}")
    return render(found, "requests", fmt)


@bp.get(f"/tokens/<string:token>.{FORMAT}")
def get_token(token, fmt):
    return render(open311.request_for_token(ctx().sessions, token), "requests", fmt)


@bp.get(f"/requests.{FORMAT}")
def list_requests(fmt):
    args = request.args
    filters = {"ids": _csv(args.get("service_request_id")), "service_codes": _csv(args.get("service_code")),
               "start_date": _when(args.get("start_date"), "start_date"),
               "end_date": _when(args.get("end_date"), "end_date"), "status": args.get("status")}
    if filters["status"] not in (None, "open", "closed"):
        raise Problem(400, "status must be open or closed")
    return render(open311.find_requests(ctx().sessions, filters, _lang()), "requests", fmt)


@bp.post(f"/requests.{FORMAT}")
def post_request(fmt):
    form = request.form
    if not form.get("api_key") or not accounts.open311_key_valid(ctx().sessions, form["api_key"]):
        raise Problem(403, "invalid api_key")
    c = ctx()
    with submit_limits(form.get("email")):
        body = _appeal_body(form)
        receipt = usecases.submit_appeal(c.engine, body, public_url=c.settings.public_url, now=now(),
                                         source="open311")
    notice = {"kk": f"Жауап мерзімі: {receipt['deadline']}", "ru": f"Срок ответа: {receipt['deadline']}"}[_lang()]
    return render([{"service_request_id": receipt["ticket"], "token": receipt["open311_token"],
                    "service_notice": notice, "account_id": None}], "requests", fmt, 201)


def _appeal_body(form) -> dict:
    """The form of a GeoReport POST as the JSON API's appeal, validated by the same schema."""
    institution_id = form.get("attribute[institution_id]")
    location = None
    if form.get("lat") and form.get("long"):
        try:
            location = {"lat": float(form["lat"]), "lon": float(form["long"])}
        except ValueError:
            raise Problem(400, "lat and long must be numbers")
        if not (-90 <= location["lat"] <= 90 and -180 <= location["lon"] <= 180):  # also refuses nan
            raise Problem(400, "lat must be within -90..90 and long within -180..180")
    if not institution_id:
        if location is None:
            raise Problem(400, "attribute[institution_id] or lat and long are required")
        with ctx().sessions() as session:
            institution_id = open311.nearest_institution(session, location["lat"], location["lon"])
        if institution_id is None:
            raise Problem(400, "no institution near lat/long")
    name = " ".join(p for p in (form.get("first_name", "").strip(), form.get("last_name", "").strip()) if p)
    body = {"institution_id": institution_id, "category": form.get("service_code") or "",
            "description": form.get("description") or "", "location": location, "language": _lang(),
            "publish_text": form.get("attribute[publish_text]", "false"),
            "budget_line_id": form.get("attribute[budget_line_id]") or None,
            "contract_id": form.get("attribute[contract_id]") or None,
            "applicant": {"name": name, "email": form.get("email") or "", "phone": form.get("phone") or None}}
    try:
        return _SUBMIT_SCHEMA.load(body)
    except ValidationError as error:
        raise Problem(400, errors=error.messages)


def _csv(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _when(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Problem(400, f"{name} must be a W3C date-time")
    return moment if moment.tzinfo else moment.replace(tzinfo=open311.ALMATY)
