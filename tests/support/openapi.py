"""An answer held against the OpenAPI document its service serves, the way the fuzz drill holds it
(schemathesis: `$ref`s resolved into the components, OpenAPI 3.0 `nullable` honoured).

Many success bodies are built by the views themselves (cached bytes, streams, plain dicts) and their
schemas are documentation only: nothing but these checks ties the two together. A documented key that is
missing, an undocumented key, a null where none is documented or a value outside an enum fails."""
from __future__ import annotations

import schemathesis


class ServedDocument:
    """The OpenAPI document a service's app serves at /api/<service>/openapi.json, for its test client."""

    def __init__(self, client, service: str, api: str | None = None):
        response = client.get(f"/api/{service}/openapi.json")
        assert response.status_code == 200
        self.raw = response.get_json()
        self.schema = schemathesis.openapi.from_dict(self.raw)
        self.api = api or f"/api/{service}/v1"

    def documented(self, status: int, method: str, path: str) -> dict:
        """The response documented for `status` of `method path` (a path template under the API prefix)."""
        responses = self.raw["paths"][self.api + path][method.lower()]["responses"]
        assert str(status) in responses, f"{method} {path}: {status} is not documented"
        return responses[str(status)]

    def body(self, response, status: int, method: str, path: str):
        """Assert that `response` is `status`, documented for `method path` with a schema for its content
        type, and that its body validates against it; return the body (parsed JSON, or the text)."""
        assert response.status_code == status, response.get_data(as_text=True)[:500]
        content = self.documented(status, method, path).get("content", {})
        assert "schema" in content.get(response.mimetype, {}), \
            f"{method} {path} {status}: {response.mimetype} documented without a schema (only {list(content)})"
        self.schema[self.api + path][method.upper()].validate_response(response)
        return response.get_json() if response.is_json else response.get_data(as_text=True)
