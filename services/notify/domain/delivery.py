"""When a failed send is tried again, and which SMTP failures are final."""
from __future__ import annotations

from datetime import datetime, timedelta

MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 5
MAX_RETRY_SECONDS = 600


def next_attempt_at(failed_at: datetime, attempts: int) -> datetime | None:
    """Exponential backoff: 5 s, 10 s, 20 s ... capped at 10 min; None once attempts are exhausted."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), MAX_RETRY_SECONDS)
    return failed_at + timedelta(seconds=delay)


def is_permanent_smtp_code(code: int | None) -> bool:
    """5xx replies are final (bad address, refused); 4xx and connection failures are temporary."""
    return code is not None and 500 <= code < 600
