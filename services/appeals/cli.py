"""`python -m services.appeals.cli bootstrap | create-account | add-open311-key`.

bootstrap (run by `make up`, idempotent): in development, an operator account, a staff account for one
sample institution and an Open311 API key, printed and written to var/dev-credentials.json.
Nothing like it happens outside development.
"""
from __future__ import annotations

import argparse
import json
import secrets
import sys
import time

from sqlalchemy import select

from services.common.db import make_engine, make_session_factory
from services.common.settings import VAR, Settings

from . import accounts, db

CREDENTIALS = VAR / "dev-credentials.json"
OPERATOR = "operator"
STAFF = "staff-sample"
WAIT_FOR_INSTITUTIONS_SECONDS = 20.0


def _sessions(settings: Settings):
    return make_session_factory(make_engine(settings.database_url, pool_size=1))


def sample_institution(sessions, wait_seconds: float) -> str | None:
    """An institution from appeals' own copy (budget's bootstrap publishes them); waits a bounded time."""
    deadline = time.monotonic() + wait_seconds
    while True:
        with sessions() as session:
            found = session.scalar(select(db.institutions.c.id).where(db.institutions.c.contact_emails != [])
                                   .order_by(db.institutions.c.id).limit(1)) or \
                session.scalar(select(db.institutions.c.id).order_by(db.institutions.c.id).limit(1))
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(1.0)


def _ensure_account(sessions, previous: dict | None, username: str, role: str, institution_id: str | None) -> dict:
    """Keep the account and password of the previous run when they still work; else (re)set them."""
    with sessions() as session:
        row = session.execute(select(db.accounts).where(db.accounts.c.username == username)).first()
    if row is None:
        created = accounts.create_account(sessions, username=username, role=role, institution_id=institution_id)
        return {"username": username, "password": created["password"]}
    if previous and previous.get("password") and accounts.password_matches(sessions, username, previous["password"]):
        return {"username": username, "password": previous["password"]}
    password = secrets.token_urlsafe(12)
    accounts.set_password(sessions, username, password)
    return {"username": username, "password": password}


def bootstrap(wait_seconds: float = WAIT_FOR_INSTITUTIONS_SECONDS) -> int:
    settings = Settings.for_service("appeals")
    if not settings.development:
        print("appeals bootstrap: not development, no credentials created")
        return 0
    sessions = _sessions(settings)
    previous = json.loads(CREDENTIALS.read_text()) if CREDENTIALS.exists() else {}
    credentials: dict = {"operator": _ensure_account(sessions, previous.get("operator"), OPERATOR, "operator", None)}
    staff = previous.get("staff") or {}
    institution_id = _staff_institution(sessions) or sample_institution(sessions, wait_seconds)
    if institution_id:
        credentials["staff"] = {**_ensure_account(sessions, staff, STAFF, "staff", institution_id),
                                "institution_id": _staff_institution(sessions)}
    else:
        credentials["staff"] = None
        print("appeals bootstrap: no institution known yet; the staff account is created on the next bootstrap")
    key = previous.get("open311_api_key")
    if not key or not accounts.open311_key_valid(sessions, key):
        key = accounts.add_open311_key(sessions, "development")
    credentials["open311_api_key"] = key
    CREDENTIALS.parent.mkdir(parents=True, exist_ok=True)
    CREDENTIALS.write_text(json.dumps(credentials, indent=2, ensure_ascii=False) + "\n")
    CREDENTIALS.chmod(0o600)
    print(f"appeals development credentials ({CREDENTIALS}):")
    print(json.dumps(credentials, indent=2, ensure_ascii=False))
    return 0


def _staff_institution(sessions) -> str | None:
    with sessions() as session:
        return session.scalar(select(db.accounts.c.institution_id).where(db.accounts.c.username == STAFF))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.appeals.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    boot = sub.add_parser("bootstrap", help="development credentials (idempotent)")
    boot.add_argument("--wait", type=float, default=WAIT_FOR_INSTITUTIONS_SECONDS,
                      help="seconds to wait for a first institution")
    create = sub.add_parser("create-account", help="a staff or operator account; prints its password once")
    create.add_argument("--username", required=True)
    create.add_argument("--role", choices=["staff", "operator"], required=True)
    create.add_argument("--institution-id")
    key = sub.add_parser("add-open311-key", help="a new Open311 API key; printed once")
    key.add_argument("--name", required=True)
    args = parser.parse_args(argv)
    if args.command == "bootstrap":
        return bootstrap(args.wait)
    sessions = _sessions(Settings.for_service("appeals"))
    if args.command == "create-account":
        print(json.dumps(accounts.create_account(sessions, username=args.username, role=args.role,
                                                 institution_id=args.institution_id), default=str))
    elif args.command == "add-open311-key":
        print(accounts.add_open311_key(sessions, args.name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
