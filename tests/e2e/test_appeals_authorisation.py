"""Who may see and do what with appeals, through nginx: staff see only their institution, a citizen token
opens only its own appeal, operators' actions are theirs alone."""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
import requests

from tests.integration.appeals.appeals_stack import API, known_institution, staff_headers, submit
from tests.support.auth import bearer, make_token
from tests.support.stack import sample_appeal


@pytest.fixture(scope="module")
def two_institutions():
    a, b = known_institution(), known_institution()
    appeal_b = submit(sample_appeal(b["id"])).json()
    appeal_a = submit(sample_appeal(a["id"])).json()
    return {"a": a, "b": b, "appeal_a": appeal_a, "appeal_b": appeal_b, "staff_a": staff_headers(a["id"])}


def test_staff_of_a_get_404_on_everything_of_b(two_institutions):
    staff_a, appeal_b = two_institutions["staff_a"], two_institutions["appeal_b"]
    assert requests.get(f"{API}/staff/appeals/{appeal_b['id']}", headers=staff_a, timeout=10).status_code == 404
    for action, body in (("start", {}), ("answer", {"text": "Чужой ответ на чужое обращение"})):
        response = requests.post(f"{API}/staff/appeals/{appeal_b['id']}/{action}", json=body, headers=staff_a,
                                 timeout=10)
        assert response.status_code == 404, action
    listed = requests.get(f"{API}/staff/appeals", headers=staff_a, timeout=10).json()["items"]
    assert [a["id"] for a in listed] == [two_institutions["appeal_a"]["id"]]


def test_the_404_for_another_institution_looks_like_a_missing_appeal(two_institutions):
    staff_a = two_institutions["staff_a"]
    other = requests.get(f"{API}/staff/appeals/{two_institutions['appeal_b']['id']}", headers=staff_a, timeout=10)
    missing = requests.get(f"{API}/staff/appeals/00000000-0000-0000-0000-000000000000", headers=staff_a, timeout=10)
    assert other.json()["detail"] == missing.json()["detail"]


@pytest.mark.parametrize("method, path", [
    ("get", "/operator/appeals"), ("post", "/operator/appeals/{id}/reject"), ("post", "/operator/appeals/{id}/redirect"),
    ("post", "/operator/appeals/{id}/extend"), ("post", "/operator/appeals/{id}/escalate"),
    ("post", "/operator/appeals/{id}/notes"), ("get", "/operator/holidays"), ("put", "/operator/holidays/2030-01-03"),
    ("get", "/operator/accounts"), ("post", "/operator/accounts"), ("post", "/operator/deadline-sweep"),
])
def test_operator_actions_refuse_staff_with_403_and_strangers_with_401(two_institutions, method, path):
    url = API + path.format(id=two_institutions["appeal_a"]["id"])
    assert requests.request(method, url, json={}, headers=two_institutions["staff_a"], timeout=10).status_code == 403
    assert requests.request(method, url, json={}, timeout=10).status_code == 401


def test_staff_routes_refuse_operators_and_strangers(two_institutions):
    assert requests.get(f"{API}/staff/appeals", headers=bearer("operator"), timeout=10).status_code == 403
    assert requests.get(f"{API}/staff/appeals", timeout=10).status_code == 401


def test_a_citizen_token_opens_only_its_own_appeal(two_institutions):
    a, b = two_institutions["appeal_a"], two_institutions["appeal_b"]
    assert requests.get(f"{API}/appeals/{a['ticket']}", params={"token": a["token"]}, timeout=10).status_code == 200
    wrong = requests.get(f"{API}/appeals/{b['ticket']}", params={"token": a["token"]}, timeout=10)
    unknown = requests.get(f"{API}/appeals/AKM-2026-999999", params={"token": a["token"]}, timeout=10)
    assert wrong.status_code == unknown.status_code == 403
    assert wrong.json()["detail"] == unknown.json()["detail"]  # does not tell whether the ticket exists
    assert requests.get(f"{API}/appeals/{a['ticket']}", timeout=10).status_code == 401
    dispute = requests.post(f"{API}/appeals/{b['ticket']}/dispute", timeout=10,
                            json={"token": a["token"], "reason": "Не моё обращение, но попробую"})
    assert dispute.status_code == 403


def test_tokens_signed_with_another_key_or_expired_are_refused(two_institutions):
    with tempfile.TemporaryDirectory() as folder:
        key = Path(folder) / "other.pem"
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(key)], check=True,
                       capture_output=True)
        forged = make_token("operator", key_file=str(key))
    for token in (forged, make_token("operator", ttl=-60), make_token("operator", issuer="someone-else")):
        response = requests.get(f"{API}/operator/appeals", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert response.status_code == 401


def test_a_staff_token_for_b_cannot_be_used_through_a_forged_claim(two_institutions):
    """The institution comes from the signed token only: staff of A naming B anywhere else get nothing."""
    staff_a = two_institutions["staff_a"]
    response = requests.get(f"{API}/staff/appeals", params={"institution_id": two_institutions["b"]["id"]},
                            headers=staff_a, timeout=10)
    assert [a["id"] for a in response.json()["items"]] == [two_institutions["appeal_a"]["id"]]
    assert requests.get(f"{API}/staff/appeals", headers=bearer("staff", institution_id=two_institutions["b"]["id"]),
                        timeout=10).json()["items"][0]["id"] == two_institutions["appeal_b"]["id"]
