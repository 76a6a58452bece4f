"""The authorisation matrix: every endpoint of every service's OpenAPI (and Open311) × every kind of
caller, each with the status it must get; then the applicant's personal data is looked for in every
answer, in the events on Kafka and in every log line where it has no business being.

Bodies sent by callers who ARE allowed are deliberately invalid (an unknown field: strict schemas
answer 422), so the matrix proves the door, never changes shared data."""
from __future__ import annotations

import base64
import json
import re
import subprocess
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from kafka import KafkaConsumer, TopicPartition

from services.common.settings import VAR
from services.common.topics import ALL_TOPICS
from tests.drills.drill_report import record
from tests.integration.appeals.appeals_stack import known_institution
from tests.support.auth import make_token
from tests.support.load import Citizen, file_appeal, random_loopback
from tests.support.polling import wait_for
from tests.support.stack import BASE_URL, KAFKA

SERVICES = ("budget", "appeals", "media", "notify")
PUBLIC, CITIZEN, STAFF, OPERATOR, ORIGINAL = "public", "citizen", "staff", "operator", "original"

# Who may call what: (service, method, path regex) -> class. An endpoint missing here fails the drill.
RULES = [
    (r"\w+", ".*", r"/operator/", OPERATOR),
    ("appeals", "GET|POST", r"/appeals/\{ticket\}(/dispute)?$", CITIZEN),
    ("appeals", ".*", r"/staff/", STAFF),
    ("appeals", ".*", r"/operator/", OPERATOR),
    ("appeals", ".*", r"/(appeals|institutions/\{institution_id\}/appeals|appeal-counts|categories|noop|auth/login)$",
     PUBLIC),
    ("budget", "GET", r"/v1/reviews$", OPERATOR),
    ("budget", "POST", r"/(reviews/\{review_id\}/moderation|imports|institutions/\{institution_id\}/documents)$",
     OPERATOR),
    ("budget", ".*", r".*", PUBLIC),
    ("media", "GET", r"/original$", ORIGINAL),
    ("media", ".*", r".*", PUBLIC),
    ("notify", ".*", r".*", OPERATOR),
]
BAD_TOKENS = ("expired JWT", "tampered JWT", "JWT signed with another key", "alg none JWT", "citizen token as bearer")


def classify(service: str, method: str, path: str) -> str | None:
    for svc, methods, pattern, kind in RULES:
        if re.fullmatch(svc, service) and re.fullmatch(methods, method) and re.search(pattern, path):
            return kind
    return None


def operations() -> list[tuple[str, str, str]]:
    ops = []
    for svc in SERVICES:
        spec = requests.get(f"{BASE_URL}/api/{svc}/openapi.json", timeout=10).json()
        for path, methods in spec["paths"].items():
            for method in methods:
                if method in ("get", "post", "put", "patch", "delete"):
                    ops.append((svc, method.upper(), path))
    return ops


def b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def world():
    marker = uuid.uuid4().hex[:8]
    school, other_school = known_institution(), known_institution()
    digits = str(uuid.uuid4().int)[:7]
    secret = {"name": f"Драйлова Секретная {marker}", "email": f"drill-secret-{marker}@mail.kz",
              "phone": f"+7 701 {digits[:3]} {digits[3:5]} {digits[5:]}"}
    mine = Citizen(0, school, secret["email"], address=random_loopback(), applicant=secret)
    file_appeal(mine, patience=60)
    assert mine.outcome == "accepted", mine.answers
    stranger = Citizen(1, other_school, f"drill-stranger-{marker}@mail.kz")
    file_appeal(stranger, patience=60)
    assert stranger.outcome == "accepted", stranger.answers
    with tempfile.TemporaryDirectory() as folder:
        key = Path(folder) / "other.pem"
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(key)], check=True,
                       capture_output=True)
        forged = make_token("operator", key_file=str(key))
    staff_token = make_token("staff", institution_id=school["id"])
    head, body, signature = staff_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    tampered = f"{head}.{b64({**claims, 'role': 'operator'})}.{signature}"
    alg_none = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64({**claims, 'role': 'operator'})}."
    tokens = {
        "anonymous": None,
        "staff": staff_token,
        "staff of another institution": make_token("staff", institution_id=other_school["id"]),
        "operator": make_token("operator"),
        "expired JWT": make_token("operator", ttl=-120),
        "tampered JWT": tampered,
        "JWT signed with another key": forged,
        "alg none JWT": alg_none,
        "citizen token as bearer": mine.receipt["token"],
    }
    return {"school": school, "mine": mine, "stranger": stranger, "secret": secret, "tokens": tokens,
            "marker": marker}


def fill(path: str, world: dict) -> str:
    mine = world["mine"]
    values = {"ticket": mine.receipt["ticket"], "appeal_id": mine.receipt["id"], "institution_id": world["school"]["id"],
              "media_id": mine.media_id, "review_id": str(uuid.uuid4()), "notification_id": str(uuid.uuid4()),
              "account_id": str(uuid.uuid4()), "topic": "appeals.appeals", "partition": "0", "offset": "999999999",
              "day": "2031-01-06"}
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def call(method: str, url: str, token: str | None, *, params: dict | None = None,
         body: dict | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is None and method in ("POST", "PUT", "PATCH"):
        body = {"__drill_unknown_field": 1}
    response = requests.request(method, url, json=body, headers=headers, params=params, timeout=30,
                                allow_redirects=False, stream=True)
    # The open-data exports are ~100 MB: their first 2 MB are enough to judge the answer.
    response._content = response.raw.read(2 * 1024 * 1024, decode_content=True)
    response.close()
    return response


def expected(kind: str, role: str, method: str, path: str) -> set[int] | str:
    """The statuses a role must get; 'allowed' means: past the door (not 401/403, not 5xx)."""
    if kind == CITIZEN:
        return "citizen"
    if role in BAD_TOKENS:
        return {401} if kind != PUBLIC else {401, "as anonymous"}
    if kind == PUBLIC:
        return "allowed"
    if kind == CITIZEN:
        return "citizen"
    if role == "anonymous":
        return {401}
    if kind == OPERATOR:
        return "allowed" if role == "operator" else {403}
    if kind == STAFF:
        if role == "operator":
            return {403}
        if role == "staff of another institution":
            # Writes carry an invalid body: 422 before the lookup tells nothing about the appeal.
            return ({404} if method == "GET" else {404, 422}) if "{appeal_id}" in path else "allowed"
        return "allowed"
    if kind == ORIGINAL:
        return {403} if role == "staff of another institution" else {302}
    raise AssertionError(kind)


def test_every_endpoint_refuses_every_caller_it_must_and_leaks_no_personal_data(world):
    tokens, mine, stranger = world["tokens"], world["mine"], world["stranger"]
    # The media service learns which institution the photo is evidence for from appeals' event.
    wait_for(lambda: call("GET", f"{BASE_URL}/api/media/v1/media/{mine.media_id}/original",
                          tokens["staff"]).status_code == 302, timeout=30, what="media to know the attachment")
    ops = operations() + [("open311", "GET", p) for p in (
        "/open311/v2/services.json", "/open311/v2/requests.json", "/open311/v2/requests/{ticket}.json",
        "/open311/v2/requests/{ticket}.xml", "/open311/v2/discovery.json")]
    unclassified = [op for op in ops if op[0] != "open311" and classify(*op) is None]
    assert not unclassified, f"endpoints with no rule in the matrix: {unclassified}"

    def ask(op_role):
        (svc, method, path), role = op_role
        kind = PUBLIC if svc == "open311" else classify(svc, method, path)
        url = fill(BASE_URL + path, world)
        params = body = None
        if kind == CITIZEN and role == "citizen token as bearer":
            # The tracking token travels in the query or the body: here, the token of ANOTHER appeal.
            other = stranger.receipt["token"]
            params = {"token": other} if method == "GET" else None
            body = {"token": other, "reason": "Чужое обращение: проверка доступа"} if method == "POST" else None
        return call(method, url, tokens[role], params=params, body=body)

    cells = [(op, role) for op in ops for role in tokens]
    with ThreadPoolExecutor(6) as pool:
        responses = dict(zip(cells, pool.map(ask, cells)))
    failures, answers = [], []
    for (svc, method, path), role in cells:
        kind = PUBLIC if svc == "open311" else classify(svc, method, path)
        response = responses[((svc, method, path), role)]
        answers.append((svc, method, path, role, response))
        status = response.status_code
        anonymous_status = responses[((svc, method, path), "anonymous")].status_code
        want = expected(kind, role, method, path)
        if status >= 500:
            failures.append(f"{method} {path} as {role}: {status} {response.text[:150]}")
        elif want == "allowed":
            if status in (401, 403):
                failures.append(f"{method} {path} as {role}: {status}, should be allowed")
        elif want == "citizen":
            # A bearer token means nothing here: as anonymous (401 no token, 422 invalid body);
            # another appeal's tracking token: 403.
            ok = {403} if role == "citizen token as bearer" else {401, 422}
            if status not in ok:
                failures.append(f"{method} {path} as {role}: {status}, want one of {sorted(ok)}")
        else:
            ok = {s for s in want if isinstance(s, int)} | ({anonymous_status} if "as anonymous" in want else set())
            if status not in ok:
                failures.append(f"{method} {path} as {role}: {status}, want one of {sorted(ok, key=str)}")

    # The citizen's own token opens the tracking view; another appeal's token does not.
    own = requests.get(f"{BASE_URL}/api/appeals/v1/appeals/{mine.receipt['ticket']}",
                       params={"token": mine.receipt["token"]}, timeout=10)
    assert own.status_code == 200
    answers.append(("appeals", "GET", "/appeals/{ticket} (own token)", "citizen", own))

    leaks = personal_data_in_answers(answers, world["secret"], mine.address)
    events = personal_data_in_events(world["secret"], mine.receipt["id"])
    logs = personal_data_in_logs(world["secret"], mine.address)
    record("authorisation matrix", {"endpoints": len(ops), "roles": len(tokens), "cells": len(cells),
                                    "failures": failures, "personal_data_in_answers": leaks,
                                    "personal_data_in_events": events, "personal_data_in_logs": logs})
    assert not failures, "\n".join(failures)
    assert not leaks, leaks
    assert not events, events
    assert not logs, logs


def personal_data_in_answers(answers, secret: dict, address: str) -> list[str]:
    """Email and phone: operators only. Name: operators and the institution's staff. The address: nobody."""
    found = []
    for svc, method, path, role, response in answers:
        text = response.text
        for what, value in (("email", secret["email"]), ("phone", secret["phone"]), ("name", secret["name"]),
                            ("IP", address)):
            if value not in text:
                continue
            if role == "operator" and what != "IP":
                continue
            if role == "staff" and what == "name" and "/staff/" in path:
                continue
            found.append(f"{what} in {method} {path} as {role}")
    return found


def personal_data_in_events(secret: dict, appeal_id: str) -> list[str]:
    """Only appeal_submitted carries the applicant (notify writes to them); nothing else may."""
    consumer = KafkaConsumer(bootstrap_servers=KAFKA.split(","), enable_auto_commit=False, consumer_timeout_ms=3000)
    found = []
    try:
        for topic in ALL_TOPICS:
            partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or [])]
            if not partitions:
                continue
            consumer.assign(partitions)
            ends = consumer.end_offsets(partitions)
            for tp in partitions:
                consumer.seek(tp, max(0, ends[tp] - 2000))
            for message in consumer:
                value = (message.value or b"").decode("utf-8", "replace")
                if secret["email"] in value or secret["phone"] in value or secret["name"] in value:
                    event_type = json.loads(value).get("type", "?") if value.startswith("{") else "?"
                    if not event_type.endswith("appeal_submitted.v1"):
                        found.append(f"{topic}: {event_type}")
    finally:
        consumer.close()
    return sorted(set(found))


def personal_data_in_logs(secret: dict, address: str) -> list[str]:
    """No log line names the applicant; the client address only in nginx's own access log."""
    found = []
    for log in sorted((VAR / "log").glob("*.log")):
        text = log.read_text(errors="replace")
        for what, value in (("email", secret["email"]), ("phone", secret["phone"]), ("name", secret["name"]),
                            ("IP", address)):
            if value in text and not (what == "IP" and log.name == "nginx-access.log"):
                found.append(f"{what} in {log.name}")
    return found
