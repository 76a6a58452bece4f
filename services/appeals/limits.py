"""Submission limits in Redis, shared by every replica: per client IP (every request counts) and per
applicant email (only accepted appeals count, so a citizen fixing a typo is not locked out).

Intake is the hot path, so one script does it all in one round trip: it counts the IP, and takes a place
among the email's submissions when both are under their limits. A refused appeal gives its place back; a retry
with the same Idempotency-Key holds the same place.
"""
from __future__ import annotations

import hashlib
import uuid
from contextlib import contextmanager
from typing import Iterator

from redis import Redis

from services.common.errors import Problem

# KEYS: the IP's counter, optionally the email's set of submissions. ARGV: IP limit, IP window, email limit,
# email window, this submission (its Idempotency-Key's digest: a retry holds the same place, never a second).
# Returns {0 when allowed else the seconds until the refusing window ends, 1 when this call took the place}.
_RESERVE = """
local ip = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2], 'NX')
if ip > tonumber(ARGV[1]) then return {math.max(redis.call('TTL', KEYS[1]), 1), 0} end
if not KEYS[2] or redis.call('SISMEMBER', KEYS[2], ARGV[5]) == 1 then return {0, 0} end
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[3]) then return {math.max(redis.call('TTL', KEYS[2]), 1), 0} end
redis.call('SADD', KEYS[2], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[4], 'NX')
return {0, 1}
"""


def _too_many(retry_after: int) -> Problem:
    return Problem(429, {"kk": "Сұраулар тым көп, кейінірек қайталаңыз",
                         "ru": "Слишком много обращений, повторите позже", "en": "too many appeals"},
                   headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


class SubmitLimits:
    def __init__(self, redis: Redis, *, per_ip: tuple[int, int], per_email: tuple[int, int]):
        self.redis = redis
        self.per_ip = per_ip
        self.per_email = per_email
        self._reserve = redis.register_script(_RESERVE)

    @staticmethod
    def _key(bucket: str, subject: str) -> str:
        return f"appeals:rl:{bucket}:{hashlib.sha256(subject.encode()).hexdigest()[:32]}"  # no raw IPs or emails

    @contextmanager
    def submission(self, ip: str, email: str | None, idempotency_key: str | None = None) -> Iterator[None]:
        """Refuse (429) when the IP or the email is over its limit; the email counts unless the block fails."""
        email_key = self._key("submit-emails", email.strip().lower()) if email else None
        keys = [self._key("submit-ip", ip)] + ([email_key] if email_key else [])
        submission = hashlib.sha256((idempotency_key or uuid.uuid4().hex).encode()).hexdigest()[:32]
        retry_after, took_place = self._reserve(keys=keys, args=[*self.per_ip, *self.per_email, submission])
        if retry_after:
            raise _too_many(int(retry_after))
        try:
            yield
        except BaseException:
            if took_place:
                self.redis.srem(email_key, submission)  # a refused appeal gives its place back
            raise
