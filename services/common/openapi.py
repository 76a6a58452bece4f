"""What every service's OpenAPI says about errors and access, in one place.

Errors are answered as RFC 9457 problem JSON (`application/problem+json`, see `web.problem_response`),
so every error response in the spec carries the `Problem` schema with that content type. A view (or a
whole blueprint) that requires a role carries `required_roles`; its operations document the bearer
token and the 401/403 answers without repeating them at each view.
"""
from __future__ import annotations

import http

from apispec import BasePlugin
from flask import Flask
from marshmallow import INCLUDE, Schema, fields

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
BEARER = "bearerAuth"
ACCESS_RESPONSES = {
    "401": "No token, or a token that is expired, tampered with or not ours (WWW-Authenticate: Bearer)",
    "403": "The token's role (or institution) may not do this",
}


class ProblemSchema(Schema):
    """RFC 9457 problem details; `title` and `detail` in the request's language (kk/ru). Problems may carry
    extension members (`dependency` of a 503, `limit` of a 413, the upload's `reason` of a 415...)."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(metadata={"description": "What went wrong, for a person"})
    errors = fields.Raw(allow_none=True,
                        metadata={"description": "Field errors, nested like the input (422), or rows of an import"})
    request_id = fields.String(allow_none=True, metadata={"description": "Quote it when reporting a problem"})


def problem_content() -> dict:
    return {PROBLEM_CONTENT_TYPE: {"schema": dict(PROBLEM_REF)}}


def error_response_components() -> dict[str, dict]:
    """flask-smorest's named responses (UNPROCESSABLE_ENTITY, DEFAULT_ERROR...) as problem JSON."""
    components = {}
    for status in http.HTTPStatus:
        response = {"description": status.phrase}
        if status >= 400:
            response["content"] = problem_content()
        components[status.name] = response
    components["DEFAULT_ERROR"] = {"description": "Any other error", "content": problem_content()}
    return components


class AccessAndProblemsPlugin(BasePlugin):
    """Completes each operation: problem JSON on error responses, bearer auth and 401/403 where a role is
    required (on the view function or on its blueprint: `required_roles`)."""

    def __init__(self, app: Flask):
        self.app = app

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        for method, operation in (operations or {}).items():
            if rule is not None and self._required_roles(rule.endpoint, method):
                operation["security"] = [{BEARER: []}]
                responses = operation.setdefault("responses", {})
                for status, description in ACCESS_RESPONSES.items():
                    responses.setdefault(status, {"description": description})
            for status, response in operation.get("responses", {}).items():
                if _is_error(status) and isinstance(response, dict) and not response.keys() & {"$ref", "content"}:
                    response["content"] = problem_content()

    def _required_roles(self, endpoint: str, method: str) -> tuple[str, ...] | None:
        view = self.app.view_functions.get(endpoint)
        handler = getattr(getattr(view, "view_class", None), method.lower(), view)
        blueprint = self.app.blueprints.get(endpoint.rpartition(".")[0])
        return getattr(handler, "required_roles", None) or getattr(blueprint, "required_roles", None)


def _is_error(status) -> bool:
    return str(status) == "default" or str(status)[:1] in ("4", "5")
