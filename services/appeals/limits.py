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

    def check(self, ip: str, email: str | None) -> None:
        """Count this request against the IP; refuse when the IP or the email is over its limit (one round trip)."""
        ip_limit, ip_window = self.per_ip
        ip_key = self._key("submit-ip", ip)
        email_key = self._key("submit-email", email.strip().lower()) if email else None
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(ip_key)
            pipe.expire(ip_key, ip_window, nx=True)
            pipe.ttl(ip_key)
            if email_key:
                pipe.get(email_key)
                pipe.ttl(email_key)
            results = pipe.execute()
        ip_count, _, ip_ttl = results[:3]
        if ip_count > ip_limit:
            raise _too_many(max(int(ip_ttl), 1))
        if email_key and results[3] is not None and int(results[3]) >= self.per_email[0]:
            raise _too_many(max(int(results[4]), 1))

    def count_email(self, email: str) -> None:
        _, window = self.per_email
        key = self._key("submit-email", email.strip().lower())
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window, nx=True)
            pipe.execute()
