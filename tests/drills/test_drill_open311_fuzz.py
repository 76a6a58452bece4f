"""Fuzzing Open311 GeoReport v2 through nginx (it has no OpenAPI document, so schemathesis cannot drive it):
hypothesis with a fixed seed generates paths, query strings and POST forms — printable, control and
non-Latin text, numbers out of range, dates that are not dates, a valid and a wrong api_key — in JSON and
XML. Every answer: no 5xx, no stack text, a document in the format asked for, and every error in the spec's
own shape (a list of {code, description}, code = the HTTP status)."""
from __future__ import annotations

import json
import os
import uuid
from xml.etree import ElementTree as ET

import requests
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from services.common.settings import VAR
from tests.drills.drill_report import record
from tests.drills.test_drill_fuzz import SEED, STACK_TEXT
from tests.support.stack import BASE_URL

OPEN311 = f"{BASE_URL}/open311/v2"
CASES = int(os.environ.get("ASHYQ_DRILL_OPEN311_CASES", "150"))
FIELDS = ("service_code", "attribute[institution_id]", "lat", "long", "address_string", "email", "first_name",
          "last_name", "phone", "description", "media_url", "status", "start_date", "end_date", "service_request_id")

text = st.one_of(st.text(max_size=40), st.sampled_from(["", "open", "closed", "other", "nan", "-1e309", "2026-13-45",
                                                        "2026-11-26T10:00:00Z", "../../etc/passwd", "<x/>"]))
numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(str), st.integers().map(str))
form = st.dictionaries(st.sampled_from(FIELDS), st.one_of(text, numbers), max_size=8)
paths = st.one_of(
    st.just("/requests"), st.just("/services"), st.just("/discovery"),
    st.text(min_size=1, max_size=20).map(lambda s: f"/requests/{requests.utils.quote(s, safe='')}"),
    st.text(min_size=1, max_size=20).map(lambda s: f"/services/{requests.utils.quote(s, safe='')}"),
    st.text(min_size=1, max_size=20).map(lambda s: f"/tokens/{requests.utils.quote(s, safe='')}"))


def api_key() -> str:
    return json.loads((VAR / "dev-credentials.json").read_text())["open311_api_key"]


def problems_of(response: requests.Response, fmt: str) -> list[str]:
    """What is wrong with one answer (nothing: [])."""
    where = f"{response.request.method} {response.request.path_url[:120]} -> {response.status_code}"
    found = []
    if response.status_code >= 500:
        found.append(f"{where}: server error {response.text[:200]}")
    if STACK_TEXT.search(response.text):
        found.append(f"{where}: stack text {response.text[:200]}")
    kind = response.headers.get("Content-Type", "")
    try:
        if fmt == "json":
            assert kind.startswith("application/json"), kind
            document = response.json()
            errors = document if response.status_code >= 400 else None
            if errors is not None:
                assert isinstance(errors, list) and errors, "errors are a non-empty list"
                assert all(str(e["code"]) == str(response.status_code) and e["description"] for e in errors)
        else:
            assert kind.startswith("text/xml"), kind
            root = ET.fromstring(response.content)
            if response.status_code >= 400:
                assert root.tag == "errors" and len(root), "errors are <errors><error>…"
                assert all(e.findtext("code") == str(response.status_code) and e.findtext("description")
                           for e in root)
    except (AssertionError, ValueError, KeyError, TypeError, ET.ParseError) as exc:
        found.append(f"{where}: not the spec's shape ({type(exc).__name__}: {exc}) {response.text[:160]}")
    return found


def test_open311_answers_every_generated_request_in_its_own_format_and_never_fails():
    session = requests.Session()
    session.trust_env = False
    key = api_key()
    statuses: dict[int, int] = {}
    failures: list[str] = []

    def answer(response, fmt):
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        failures.extend(problems_of(response, fmt))

    @seed(SEED)
    @settings(max_examples=CASES, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(path=paths, fmt=st.sampled_from(["json", "xml"]), query=form)
    def reads(path, fmt, query):
        answer(session.get(f"{OPEN311}{path}.{fmt}", params=query, timeout=30), fmt)

    @seed(SEED)
    @settings(max_examples=CASES, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(fmt=st.sampled_from(["json", "xml"]), body=form, key_kind=st.sampled_from(["valid", "wrong", "none"]))
    def posts(fmt, body, key_kind):
        if key_kind != "none":
            body = {**body, "api_key": key if key_kind == "valid" else uuid.uuid4().hex}
        answer(session.post(f"{OPEN311}/requests.{fmt}", data=body, timeout=30), fmt)

    reads()
    posts()
    record("open311 fuzzing", {"seed": SEED, "cases": sum(statuses.values()),
                               "statuses": dict(sorted(statuses.items())), "failures": sorted(set(failures))[:40]})
    assert not failures, "\n".join(sorted(set(failures))[:30])
