"""Staff and operator accounts, login and the signed tokens every service verifies; Open311 API keys.

Passwords are kept as argon2 hashes. Tokens are Ed25519-signed JWTs (EdDSA): only appeals holds the
private key; services.common.auth verifies them everywhere with the public key.
"""
from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from services.common.errors import Problem
from services.common.db import transaction

from . import db
from .checks import require_known_institution
from .usecases import forget_holiday_calendar

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

ACCOUNT_FIELDS = ("id", "username", "role", "institution_id", "active", "created_at")


@dataclass(frozen=True)
class TokenIssuer:
    private_key_pem: bytes | None
    issuer: str
    ttl_seconds: int

    @classmethod
    def from_file(cls, path: str, issuer: str, ttl_seconds: int) -> "TokenIssuer":
        file = Path(path)
        return cls(file.read_bytes() if file.exists() else None, issuer, ttl_seconds)

    def issue(self, *, subject: str, role: str, institution_id: str | None) -> dict:
        if not self.private_key_pem:
            raise Problem(503, "token signing key is not configured")
        now = int(time.time())
        claims = {"sub": subject, "role": role, "iss": self.issuer, "iat": now, "exp": now + self.ttl_seconds}
        if role == "staff":
            claims["institution_id"] = institution_id
        token = jwt.encode(claims, self.private_key_pem, algorithm="EdDSA")
        return {"access_token": token, "token_type": "Bearer", "expires_in": self.ttl_seconds}


def login(sessions: sessionmaker, issuer: TokenIssuer, username: str, password: str) -> dict:
    with sessions() as session:
        account = session.execute(select(db.accounts).where(db.accounts.c.username == username)).first()
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
        ok = account is not None and account.active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        raise Problem(401, {"kk": "Логин немесе құпиясөз қате", "ru": "Неверный логин или пароль",
                            "en": "wrong username or password"})
    return issuer.issue(subject=account.id, role=account.role, institution_id=account.institution_id)


def create_account(sessions: sessionmaker, *, username: str, role: str, institution_id: str | None,
                   password: str | None = None) -> dict:
    """A new account; returns it with its password (generated when not given) — shown once."""
    if role == "staff" and not institution_id:
        raise Problem(422, errors={"institution_id": [{"kk": "Қызметкерге мекеме керек",
                                                       "ru": "Для сотрудника нужно учреждение",
                                                       "en": "staff need an institution"}]})
    password = password or secrets.token_urlsafe(12)
    account_id = str(uuid.uuid4())
    try:
        with transaction(sessions) as session:
            if role == "staff":
                require_known_institution(session, institution_id)
            session.execute(db.accounts.insert().values(
                id=account_id, username=username, password_hash=_hasher.hash(password), role=role,
                institution_id=institution_id if role == "staff" else None))
    except IntegrityError:
        raise Problem(409, {"kk": "Бұл логин бос емес", "ru": "Такой логин уже есть", "en": "username taken"})
    return {"id": account_id, "username": username, "role": role,
            "institution_id": institution_id if role == "staff" else None, "active": True, "password": password}


def update_account(sessions: sessionmaker, account_id: str, *, active: bool | None, password: str | None) -> dict:
    values: dict = {"updated_at": datetime.now(timezone.utc)}
    if active is not None:
        values["active"] = active
    if password is not None:
        values["password_hash"] = _hasher.hash(password)
    with transaction(sessions) as session:
        row = session.execute(update(db.accounts).where(db.accounts.c.id == account_id).values(**values)
                              .returning(*[db.accounts.c[f] for f in ACCOUNT_FIELDS])).first()
    if row is None:
        raise Problem(404, {"kk": "Тіркелгі табылмады", "ru": "Учётная запись не найдена", "en": "no such account"})
    return dict(row._mapping)


def list_accounts(sessions: sessionmaker, *, role: str | None, institution_id: str | None) -> list[dict]:
    query = select(*[db.accounts.c[f] for f in ACCOUNT_FIELDS])
    if role:
        query = query.where(db.accounts.c.role == role)
    if institution_id:
        query = query.where(db.accounts.c.institution_id == institution_id)
    with sessions() as session:
        return [dict(r._mapping) for r in session.execute(query.order_by(db.accounts.c.username)).all()]


def set_password(sessions: sessionmaker, username: str, password: str) -> None:
    with transaction(sessions) as session:
        session.execute(update(db.accounts).where(db.accounts.c.username == username)
                        .values(password_hash=_hasher.hash(password), active=True))


def password_matches(sessions: sessionmaker, username: str, password: str) -> bool:
    with sessions() as session:
        row = session.execute(select(db.accounts.c.password_hash).where(db.accounts.c.username == username)).first()
    if row is None:
        return False
    try:
        return _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# ----- Open311 API keys (stored hashed)

def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def add_open311_key(sessions: sessionmaker, name: str, key: str | None = None) -> str:
    key = key or secrets.token_urlsafe(24)
    with transaction(sessions) as session:
        session.execute(insert(db.open311_keys).values(key_hash=_key_hash(key), name=name).on_conflict_do_nothing())
    return key


def open311_key_valid(sessions: sessionmaker, key: str) -> bool:
    with sessions() as session:
        return session.execute(select(db.open311_keys.c.key_hash).where(
            db.open311_keys.c.key_hash == _key_hash(key), db.open311_keys.c.active.is_(True))).first() is not None


# ----- the holiday calendar (operators correct the seed)

def list_holidays(sessions: sessionmaker, year: int | None) -> list[dict]:
    query = select(db.holidays).order_by(db.holidays.c.day)
    if year:
        query = query.where(db.holidays.c.day.between(date(year, 1, 1), date(year, 12, 31)))
    with sessions() as session:
        return [dict(r._mapping) for r in session.execute(query).all()]


def put_holiday(sessions: sessionmaker, day: date, name: str) -> dict:
    with transaction(sessions) as session:
        stmt = insert(db.holidays).values(day=day, name=name)
        session.execute(stmt.on_conflict_do_update(index_elements=[db.holidays.c.day], set_={"name": name}))
    forget_holiday_calendar()
    return {"day": day, "name": name}


def delete_holiday(sessions: sessionmaker, day: date) -> None:
    with transaction(sessions) as session:
        deleted = session.execute(db.holidays.delete().where(db.holidays.c.day == day)).rowcount
    forget_holiday_calendar()
    if not deleted:
        raise Problem(404, {"kk": "Мереке табылмады", "ru": "Праздник не найден", "en": "no such holiday"})
