"""What every appeals endpoint needs: the service context, the clock, the caller's IP."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, request


def ctx():
    return current_app.extensions["appeals"]


def now() -> datetime:
    return ctx().clock()


def client_ip() -> str:
    """nginx appends the address it saw to X-Forwarded-For: only that last hop is trusted."""
    forwarded = request.headers.get("X-Forwarded-For", "")
    last = forwarded.split(",")[-1].strip() if forwarded else ""
    return last or request.remote_addr or "unknown"


def enforce_submit_limits(email: str | None) -> None:
    """Per client IP (every request), then per applicant email (accepted appeals): 429 with Retry-After."""
    ctx().submit_limits.check(client_ip(), email)


def count_accepted(email: str) -> None:
    ctx().submit_limits.count_email(email)
