"""Redis cache of rendered responses (map, stats, details) with their ETag.

A value is `etag + "\n" + body`, so a hit answers with no database query and no serialisation.
Keys carry what they depend on, so an import deletes exactly the years and institutions it changed.
"""
from __future__ import annotations

import gzip
import hashlib

from redis import Redis

PREFIX = "budget:cache"


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest() + '"'


class Cache:
    def __init__(self, redis: Redis, ttl_seconds: int = 300):
        self.redis = redis
        self.ttl = ttl_seconds

    @classmethod
    def from_url(cls, url: str, ttl_seconds: int = 300) -> "Cache":
        return cls(Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2), ttl_seconds)

    @staticmethod
    def map_key(year: int, kind: str | None, district: str | None) -> str:
        return f"{PREFIX}:map:{year}:{kind or '*'}:{district or '*'}"

    @staticmethod
    def stats_key(group_by: str, year: int | None, kind: str | None) -> str:
        return f"{PREFIX}:stats:{year or 'all'}:{group_by}:{kind or '*'}"

    @staticmethod
    def detail_key(institution_id: str, lang: str) -> str:
        return f"{PREFIX}:detail:{institution_id}:{lang}"

    @staticmethod
    def budget_key(institution_id: str, year: int, lang: str) -> str:
        return f"{PREFIX}:budget:{institution_id}:{year}:{lang}"

    def get(self, key: str, gzipped: bool = False) -> tuple[str, bytes] | None:
        """(etag, body) of the plain or the gzipped representation."""
        value = self.redis.get(key + ":gz" if gzipped else key)
        if value is None:
            return None
        etag, _, body = value.partition(b"\n")
        return etag.decode(), body

    def put(self, key: str, body: bytes) -> tuple[str, bytes]:
        """Store the body and its gzip (compressed once here, not on every request); (etag, gzipped body)."""
        etag = etag_of(body)
        packed = gzip.compress(body, compresslevel=6, mtime=0)
        gz_etag = etag[:-1] + '-gz"'
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(key, etag.encode() + b"\n" + body, ex=self.ttl)
            pipe.set(key + ":gz", gz_etag.encode() + b"\n" + packed, ex=self.ttl)
            pipe.execute()
        return etag, packed

    def invalidate(self, *, years: set[int] = frozenset(), institution_ids: list[str] = (),
                   all_maps: bool = False) -> int:
        """Drop the maps and stats of `years` (stats without a year too) and everything of `institution_ids`."""
        patterns = [f"{PREFIX}:map:*"] if all_maps else [f"{PREFIX}:map:{y}:*" for y in years]
        if years:
            patterns += [f"{PREFIX}:stats:{y}:*" for y in years] + [f"{PREFIX}:stats:all:*"]
        keys = [k for pattern in patterns for k in self.redis.scan_iter(match=pattern, count=1000)]
        ids = set(institution_ids)
        for iid in ids:
            keys += [f"{PREFIX}:detail:{iid}:{lang}{gz}" for lang in ("kk", "ru", "en") for gz in ("", ":gz")]
        if ids:  # one pass over the breakdown keys rather than one scan per institution
            keys += [k for k in self.redis.scan_iter(match=f"{PREFIX}:budget:*", count=1000)
                     if k.decode().split(":")[3] in ids]
        deleted = 0
        for start in range(0, len(keys), 500):
            deleted += self.redis.delete(*keys[start:start + 500])
        return deleted
