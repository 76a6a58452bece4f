"""The Flask chassis every service is built on: problem errors, request ids, language, health, metrics.

A service's `create_app` calls `create_service_app`, registers its blueprints on the returned
flask-smorest `Api`, and adds its readiness checks.
"""
from __future__ import annotations

import logging
import re
import time
from typing import Callable

import flask
from flask import Flask, g, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from . import i18n, logs, metrics, openapi
from .errors import DependencyUnavailable, Problem, unavailable_dependency
from .settings import Settings

logger = logging.getLogger(__name__)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def problem_response(status: int, detail=None, *, errors=None, headers=None, **extra):
    lang = getattr(g, "lang", i18n.DEFAULT_LANGUAGE) if flask.has_request_context() else i18n.DEFAULT_LANGUAGE
    if isinstance(detail, dict):
        detail = detail.get(lang) or detail.get("ru") or next(iter(detail.values()))
    body = {
        "type": "about:blank",
        "title": i18n.TITLES.get(status, {}).get(lang) or HTTPException.__name__,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = i18n.translate_errors(errors, lang)
    body.update(extra)
    if flask.has_request_context():
        body["request_id"] = g.get("request_id")
    response = flask.make_response(flask.json.dumps(body, ensure_ascii=False), status)
    response.headers["Content-Type"] = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class ServiceApi(Api):
    """flask-smorest's Api with every HTTP error rendered, and documented, as problem JSON."""

    def _init_spec(self, **kwargs):
        kwargs["extra_plugins"] = [*(kwargs.get("extra_plugins") or ()), openapi.AccessAndProblemsPlugin(self._app)]
        super()._init_spec(**kwargs)
        self.spec.components.schema("Problem", schema=openapi.ProblemSchema)
        self.spec.components.security_scheme(openapi.BEARER, {"type": "http", "scheme": "bearer",
                                                              "bearerFormat": "JWT (EdDSA)"})

    def _register_responses(self):
        for name, response in openapi.error_response_components().items():
            self.spec.components.response(name, response, lazy=True)

    def handle_http_exception(self, error: HTTPException):
        errors = None
        data = getattr(error, "data", None) or {}
        messages = data.get("messages")
        if messages:
            # webargs nests errors by location ({"json": {...}}); a client cares about the fields.
            errors = messages[next(iter(messages))] if len(messages) == 1 else messages
        headers = dict(data.get("headers") or {})
        if error.code == 405 and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        detail = None if errors else error.description
        return problem_response(error.code or 500, detail, errors=errors, headers=headers)


def create_service_app(settings: Settings, *, title: str, description: str = "") -> tuple[Flask, ServiceApi]:
    svc = settings.service
    logs.configure(svc, settings.log_level)
    app = Flask(f"ashyq.{svc}")
    app.config.update(
        ASHYQ_SETTINGS=settings,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_SORT_KEYS=False,
        API_TITLE=title,
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=f"/api/{svc}",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"info": {"description": description}},
    )
    app.json.ensure_ascii = False
    api = ServiceApi(app)
    _install_request_hooks(app)
    _install_error_handlers(app)
    metrics.install_http_metrics(app, svc)
    app.extensions["ashyq.readiness"] = {}
    app.extensions["ashyq.degraded"] = {}
    _install_health(app, svc)
    return app, api


def add_readiness_check(app: Flask, name: str, check: Callable[[], None], *, required: bool = True) -> None:
    """A check raises when `name` is unusable. Required ones make /readyz 503; others only mark it degraded."""
    app.extensions["ashyq.readiness" if required else "ashyq.degraded"][name] = check


def _install_request_hooks(app: Flask) -> None:
    @app.before_request
    def start_request():
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else logs.new_request_id()
        logs.request_id_var.set(g.request_id)
        g.lang = i18n.pick_language(request.args.get("lang"), request.headers.get("Accept-Language"))
        g.started = time.perf_counter()

    @app.after_request
    def finish_request(response):
        response.headers["X-Request-Id"] = g.get("request_id", "")
        response.headers.setdefault("Content-Language", g.get("lang", i18n.DEFAULT_LANGUAGE))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        _drain_unread_body(app)
        return response


def _drain_unread_body(app: Flask) -> None:
    """Read what is left of a small body the view did not need (an early 401, a route without a body).
    Left in the socket, those bytes would be taken for the next request on nginx's kept-alive
    connection, and that request would fail."""
    length = request.content_length
    if not length or length > (app.config.get("MAX_CONTENT_LENGTH") or 0):
        return
    try:
        stream = request.stream
        while stream.read(65536):
            pass
    except Exception:  # a client gone mid-body: nothing to keep alive anyway
        pass


def _install_error_handlers(app: Flask) -> None:
    @app.errorhandler(Problem)
    def on_problem(error: Problem):
        return problem_response(error.status, error.detail, errors=error.errors, headers=error.headers, **error.extra)

    @app.errorhandler(Exception)
    def on_unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return problem_response(error.code or 500, error.description)
        if _json_too_deep(error):
            return problem_response(400, {"kk": "JSON тым терең салынған", "ru": "Слишком глубокая вложенность JSON",
                                          "en": "JSON nested too deeply"})
        dependency = unavailable_dependency(error)
        if dependency:
            logger.warning("dependency unavailable: %s (%s)", dependency, type(error).__name__)
            problem = DependencyUnavailable(dependency)
            return problem_response(problem.status, problem.detail, headers=problem.headers, dependency=dependency)
        logger.exception("unhandled error")
        return problem_response(500)


def _json_too_deep(error: Exception) -> bool:
    """A request body like [[[[...]]]] exhausts the JSON decoder's recursion: the client's fault, not ours."""
    if not isinstance(error, RecursionError):
        return False
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(("json/decoder.py", "json/__init__.py")):
            return True
        tb = tb.tb_next
    return False


def _install_health(app: Flask, svc: str) -> None:
    @app.get(f"/api/{svc}/healthz")
    def healthz():
        return {"status": "ok", "service": svc}

    @app.get(f"/api/{svc}/readyz")
    def readyz():
        failed, degraded, checks = [], [], {}
        for kind, registry in (("required", app.extensions["ashyq.readiness"]),
                               ("optional", app.extensions["ashyq.degraded"])):
            for name, check in registry.items():
                try:
                    check()
                    checks[name] = "ok"
                except Exception as exc:  # a check's failure is the answer, not an error
                    checks[name] = f"down: {type(exc).__name__}"
                    (failed if kind == "required" else degraded).append(name)
        status = "unready" if failed else ("degraded" if degraded else "ready")
        body = {"status": status, "service": svc, "checks": checks, "failed": failed, "degraded": degraded}
        return body, (503 if failed else 200)

    @app.get(f"/api/{svc}/metrics")
    def metrics_endpoint():
        payload, content_type = metrics.render()
        return flask.Response(payload, content_type=content_type)
