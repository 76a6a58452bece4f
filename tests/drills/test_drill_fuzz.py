"""Fuzzing every service's OpenAPI through nginx with schemathesis: a fixed seed, a few hundred cases per
service, as an operator (the widest door; staff routes as staff). Every answer: no 5xx, no traceback or
stack text, and a body that matches the schema documented for its status, with the content type documented for
it. An undocumented status or content type, or a status documented without its body, fails too (a documentation gap).

Operations that would change shared reference data if a generated body happened to be valid (holidays,
accounts, the deadline sweep, budget imports) are fuzzed anonymously: their 401 path and body parsing,
never a write."""
from __future__ import annotations

import collections
import math
import os
import re
import uuid

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings

from tests.drills.drill_report import record
from tests.support.auth import bearer
from tests.support.stack import BASE_URL

SEED = 20261126
CASES_PER_SERVICE = int(os.environ.get("ASHYQ_DRILL_FUZZ_CASES", "250"))
SERVICES = ("budget", "appeals", "media", "notify")
UNSAFE = re.compile(r"/operator/(holidays|accounts|deadline-sweep)|/imports$")
STACK_TEXT = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+|"
                        r"sqlalchemy\.exc\.|psycopg\.|werkzeug\.exceptions")
RESULTS: dict[str, dict] = {}


def outcome_of(operation, case, response, components: dict) -> tuple[list[str], list[str]]:
    """(failures, documentation gaps) of one answer."""
    failures, gaps = [], []
    where = f"{case.method} {operation.path}"
    status = response.status_code
    if status >= 500:
        failures.append(f"{where}: {status} {response.text[:200]}")
    if STACK_TEXT.search(response.text):
        failures.append(f"{where}: stack text in the body: {response.text[:200]}")
    documented = operation.definition.raw.get("responses", {})
    entry = documented.get(str(status)) or documented.get(f"{str(status)[0]}XX") or documented.get("default")
    if entry and "$ref" in entry:  # a named response: #/components/responses/NAME
        entry = components["responses"][entry["$ref"].rsplit("/", 1)[1]]
    if entry is None:
        gaps.append(f"{where}: status {status} not documented")
        return failures, gaps
    kinds = list((entry.get("content") or {}).keys())
    if not kinds and (status == 204 or 300 <= status < 400):
        return failures, gaps  # no body, none documented
    if not kinds:
        gaps.append(f"{where}: {status} documented without a body schema")
        return failures, gaps
    received = response.headers.get("Content-Type", "").split(";")[0]
    if kinds and received and received not in kinds:
        gaps.append(f"{where}: {status} is {received}, documented {kinds}")
        return failures, gaps
    try:
        operation.validate_response(response, case=case)
    except Exception as exc:  # schemathesis' FailureGroup
        title = " ".join(str(exc).split())[:220]
        failures.append(f"{where} {status}: {title}")
    return failures, gaps


@pytest.mark.parametrize("service", SERVICES)
def test_fuzzing_finds_no_server_error_no_stack_text_and_no_schema_violation(service):
    spec_url = f"{BASE_URL}/api/{service}/openapi.json"
    schema = schemathesis.openapi.from_url(spec_url)
    components = requests.get(spec_url, timeout=10).json().get("components", {})
    operations = [result.ok() for result in schema.get_all_operations()]
    per_operation = max(5, math.ceil(CASES_PER_SERVICE / len(operations)))
    operator = bearer("operator", ttl=3600)
    staff = bearer("staff", institution_id=str(uuid.uuid4()), ttl=3600)  # an institution with no appeals
    session = requests.Session()
    session.trust_env = False
    cases, statuses = 0, collections.Counter()
    failures, gaps = [], []

    for operation in operations:
        headers = {} if UNSAFE.search(operation.path) else staff if "/staff/" in operation.path else operator

        @seed(SEED)
        @settings(max_examples=per_operation, database=None, deadline=None, derandomize=False,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        @given(case=operation.as_strategy())
        def fuzz(case):
            nonlocal cases
            cases += 1
            try:
                response = case.call(base_url=BASE_URL, session=session, headers=headers, timeout=30)
            except requests.RequestException as exc:
                failures.append(f"{case.method} {case.formatted_path}: no answer ({type(exc).__name__})")
                return
            statuses[response.status_code] += 1
            found, documented = outcome_of(operation, case, response, components)
            failures.extend(found)
            gaps.extend(documented)

        fuzz()

    RESULTS[service] = {"operations": len(operations), "cases": cases, "seed": SEED,
                        "statuses": dict(sorted(statuses.items())), "failures": sorted(set(failures))[:40],
                        "failure_count": len(failures), "documentation_gaps": sorted(set(gaps))[:40],
                        "documentation_gap_count": len(gaps)}
    record("fuzzing", RESULTS)
    assert cases >= min(CASES_PER_SERVICE, 5 * len(operations))
    assert not failures, "\n".join(sorted(set(failures))[:30])
    assert not gaps, "documentation gaps:\n" + "\n".join(sorted(set(gaps))[:30])
