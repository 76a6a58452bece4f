"""Fixed-window rate limits in Redis, shared by every replica of a service."""
from __future__ import annotations

import hashlib

from redis import Redis

from .errors import Problem


class RateLimiter:
    def __init__(self, redis: Redis, prefix: str):
        self.redis = redis
        self.prefix = prefix

    def hit(self, bucket: str, subject: str, *, limit: int, window_seconds: int) -> int | None:
        """Count one hit; None while under `limit`, else the seconds until the window resets."""
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]  # no raw IPs or emails in Redis keys
        key = f"{self.prefix}:rl:{bucket}:{digest}"
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window_seconds, nx=True)
            pipe.ttl(key)
            count, _, ttl = pipe.execute()
        if count > limit:
            return max(int(ttl), 1)
        return None

    def enforce(self, bucket: str, subject: str, *, limit: int, window_seconds: int) -> None:
        retry_after = self.hit(bucket, subject, limit=limit, window_seconds=window_seconds)
        if retry_after is not None:
            raise Problem(429, {"kk": "Сұраулар тым көп, кейінірек қайталаңыз",
                                "ru": "Слишком много запросов, повторите позже", "en": "too many requests"},
                          headers={"Retry-After": str(retry_after)}, retry_after=retry_after)
