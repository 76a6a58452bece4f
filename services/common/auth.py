"""Verifying the signed JWTs that the appeals service issues to staff and operators.

Tokens are Ed25519-signed (EdDSA); every service holds only the public key. Only EdDSA is
accepted, so `alg: none` and HMAC-with-the-public-key tricks fail.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import jwt
from flask import current_app, g, request

from .errors import Problem

ALGORITHM = "EdDSA"
ROLES = ("operator", "staff")


@dataclass(frozen=True)
class Principal:
    subject: str
    role: str
    institution_id: str | None = None

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"


class TokenVerifier:
    def __init__(self, public_key_pem: bytes | None, issuer: str):
        self.public_key = public_key_pem
        self.issuer = issuer

    @classmethod
    def from_file(cls, path: str, issuer: str) -> "TokenVerifier":
        file = Path(path)
        return cls(file.read_bytes() if file.exists() else None, issuer)

    def verify(self, token: str) -> Principal:
        if not self.public_key:
            raise Problem(401, "token verification key is not configured")
        try:
            claims = jwt.decode(token, self.public_key, algorithms=[ALGORITHM], issuer=self.issuer,
                                options={"require": ["exp", "iat", "sub", "iss"]})
        except jwt.PyJWTError:
            raise Problem(401, {"kk": "Токен жарамсыз немесе мерзімі өткен", "ru": "Токен недействителен или истёк",
                                "en": "invalid or expired token"}, headers={"WWW-Authenticate": "Bearer"})
        if claims.get("role") not in ROLES:
            raise Problem(403, "unknown role")
        return Principal(subject=claims["sub"], role=claims["role"], institution_id=claims.get("institution_id"))


def install(app, public_key_file: str, issuer: str) -> None:
    app.extensions["ashyq.auth"] = TokenVerifier.from_file(public_key_file, issuer)


def current_principal(optional: bool = False) -> Principal | None:
    """The caller's identity from `Authorization: Bearer`, or 401 (None when optional and absent)."""
    if "principal" in g:
        return g.principal
    header = request.headers.get("Authorization", "")
    if not header:
        if optional:
            return None
        raise Problem(401, {"kk": "Кіру қажет", "ru": "Требуется вход", "en": "authentication required"},
                      headers={"WWW-Authenticate": "Bearer"})
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Problem(401, "expected a Bearer token", headers={"WWW-Authenticate": "Bearer"})
    g.principal = current_app.extensions["ashyq.auth"].verify(token.strip())
    return g.principal


def require_role(*roles: str):
    """Decorator: the caller must hold one of `roles` (403 otherwise)."""
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if principal.role not in roles:
                raise Problem(403, {"kk": "Бұл әрекетке рұқсат жоқ", "ru": "Недостаточно прав", "en": "forbidden"})
            return view(*args, **kwargs)
        wrapper.required_roles = roles  # documented by services.common.openapi
        return wrapper
    return decorate
