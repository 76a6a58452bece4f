"""Tokens for tests, signed with the local development key exactly as the appeals service signs them."""
from __future__ import annotations

import time
import uuid

import jwt

from services.common.settings import get


def make_token(role: str, *, institution_id: str | None = None, subject: str | None = None,
               ttl: int = 600, key_file: str | None = None, issuer: str | None = None) -> str:
    claims = {"sub": subject or f"test-{role}-{uuid.uuid4().hex[:8]}", "role": role, "iat": int(time.time()),
              "exp": int(time.time()) + ttl, "iss": issuer or get("ASHYQ_JWT_ISSUER")}
    if institution_id:
        claims["institution_id"] = institution_id
    with open(key_file or get("ASHYQ_JWT_PRIVATE_KEY_FILE"), "rb") as f:
        return jwt.encode(claims, f.read(), algorithm="EdDSA")


def bearer(role: str, **kwargs) -> dict:
    return {"Authorization": f"Bearer {make_token(role, **kwargs)}"}
