"""Accounts and login: argon2 hashes, EdDSA tokens every service verifies, staff scoped to one institution."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from services.appeals import db
from services.common.auth import TokenVerifier
from services.common.settings import get
from tests.support.auth import bearer

ACCOUNTS = "/api/appeals/v1/operator/accounts"
LOGIN = "/api/appeals/v1/auth/login"


def new_staff(client, institution: str) -> dict:
    response = client.post(ACCOUNTS, json={"username": f"staff-{uuid.uuid4().hex[:8]}", "role": "staff",
                                           "institution_id": institution}, headers=bearer("operator"))
    assert response.status_code == 201, response.json
    return response.json


def test_staff_log_in_and_get_a_token_every_service_verifies(client, sessions, institution):
    account = new_staff(client, institution)
    response = client.post(LOGIN, json={"username": account["username"], "password": account["password"]})
    assert response.status_code == 200
    token = response.json
    assert token["token_type"] == "Bearer" and token["expires_in"] == int(get("ASHYQ_JWT_TTL_SECONDS"))
    verifier = TokenVerifier.from_file(get("ASHYQ_JWT_PUBLIC_KEY_FILE"), get("ASHYQ_JWT_ISSUER"))
    principal = verifier.verify(token["access_token"])
    assert (principal.subject, principal.role, principal.institution_id) == (account["id"], "staff", institution)
    with sessions() as session:
        stored = session.scalar(select(db.accounts.c.password_hash).where(db.accounts.c.id == account["id"]))
    assert stored.startswith("$argon2") and account["password"] not in stored


def test_a_wrong_password_or_unknown_user_get_the_same_401(client, institution):
    account = new_staff(client, institution)
    wrong = client.post(LOGIN, json={"username": account["username"], "password": "wrong-password"})
    unknown = client.post(LOGIN, json={"username": f"nobody-{uuid.uuid4().hex[:6]}", "password": "whatever"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["detail"] == unknown.json["detail"]


def test_a_deactivated_account_cannot_log_in(client, institution):
    account = new_staff(client, institution)
    patched = client.patch(f"{ACCOUNTS}/{account['id']}", json={"active": False}, headers=bearer("operator"))
    assert patched.status_code == 200 and patched.json["active"] is False
    assert client.post(LOGIN, json={"username": account["username"],
                                    "password": account["password"]}).status_code == 401


def test_staff_need_a_known_institution_and_usernames_are_unique(client, institution):
    operator = bearer("operator")
    unknown = client.post(ACCOUNTS, json={"username": f"s-{uuid.uuid4().hex[:8]}", "role": "staff",
                                          "institution_id": "no-such"}, headers=operator)
    assert unknown.status_code == 422
    account = new_staff(client, institution)
    again = client.post(ACCOUNTS, json={"username": account["username"], "role": "operator"}, headers=operator)
    assert again.status_code == 409


def test_only_operators_manage_accounts(client, institution):
    staff = bearer("staff", institution_id=institution)
    assert client.get(ACCOUNTS, headers=staff).status_code == 403
    assert client.post(ACCOUNTS, json={}, headers=staff).status_code == 403
    assert client.post(ACCOUNTS, json={}).status_code == 401
