"""Submission limits in Redis, shared by every replica: per client IP (every request counts) and per
applicant email (only accepted appeals count, so a citizen fixing a typo is not locked out)."""
from __future__ import annotations

import hashlib

from redis import Redis

from services.common.errors import Problem


def _too_many(retry_after: int) -> Problem:
    return Problem(429, {"kk": "Сұраулар тым көп, кейінірек қайталаңыз",
                         "ru": "Слишком много обращений, повторите позже", "en": "too many appeals"},
                   headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


class SubmitLimits:
    def __init__(self, redis: Redis, *, per_ip: tuple[int, int], per_email: tuple[int, int]):
        self.redis = redis
        self.per_ip = per_ip
        self.per_email = per_email

    @staticmethod
    def _key(bucket: str, subject: str) -> str:
        return f"appeals:rl:{bucket}:{hashlib.sha256(subject.encode()).hexdigest()[:32]}"  # no raw IPs or emails

    def hit_ip(self, ip: str) -> None:
        limit, window = self.per_ip
        key = self._key("submit-ip", ip)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window, nx=True)
            pipe.ttl(key)
            count, _, ttl = pipe.execute()
        if count > limit:
            raise _too_many(max(int(ttl), 1))

    def check_email(self, email: str) -> None:
        limit, _ = self.per_email
        key = self._key("submit-email", email.strip().lower())
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(key)
            pipe.ttl(key)
            count, ttl = pipe.execute()
        if count is not None and int(count) >= limit:
            raise _too_many(max(int(ttl), 1))

    def count_email(self, email: str) -> None:
        _, window = self.per_email
        key = self._key("submit-email", email.strip().lower())
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window, nx=True)
            pipe.execute()
