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


def submit_limits(email: str | None, idempotency_key: str | None = None):
    """Per client IP (every request), then per applicant email (accepted appeals): 429 with Retry-After.
    Use as `with submit_limits(email): ...`: the email's place is given back when the block fails."""
    return ctx().submit_limits.submission(client_ip(), email, idempotency_key)
