"""Redis cache of rendered responses (map, stats, details) with their ETag.

Each representation (plain, and gzip compressed once when cached) is stored as `etag + "\n" + body`
under its key, and its ETag alone under `<key>:etag`. A process keeps the bodies it served lately: a hit
costs no database query, no serialisation, no transfer of a large body, and at most one tiny Redis GET a
second per key (is my copy still current?). So another process may serve a replaced answer for up to
`local_seconds` after an import; clients may anyway keep it for Cache-Control's max-age.

Keys carry generations: one per institution (its detail and budget breakdowns), one for all maps and one
for the maps of each year. A change bumps the generation after its commit, so every later request builds
afresh under a new key. A request that read the database before the change may still store its (old)
answer, but under the old generation nobody asks for any more: deleting keys instead would let such a late
write bring the old answer back for the whole TTL. Stats (changed only by imports) are still deleted by year.
"""
from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections import OrderedDict

from redis import Redis, RedisError

from services.common import metrics

PREFIX = "budget:cache:v2"  # a new version when a cached body's format changes: old answers are never served
MAPS = "maps"  # every map's generation; "maps:<year>" one year's (institution generations: their id)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest() + '"'


class Cache:
    def __init__(self, redis: Redis, ttl_seconds: int = 300, local_bytes: int = 64 * 1024 * 1024,
                 local_seconds: float = 1.0):
        self.redis = redis
        self.ttl = ttl_seconds
        self.local_bytes = local_bytes
        self.local_seconds = local_seconds
        self._local: OrderedDict[str, list] = OrderedDict()   # key -> [etag, body, checked_at]
        self._local_size = 0
        self._generations: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, ttl_seconds: int = 300) -> "Cache":
        return cls(Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2), ttl_seconds)

    def map_key(self, year: int, kind: str | None, district: str | None) -> str:
        generations = f"g{self._generation(MAPS)}.{self._generation(f'{MAPS}:{year}')}"
        return f"{PREFIX}:map:{generations}:{year}:{kind or '*'}:{district or '*'}"

    @staticmethod
    def stats_key(group_by: str, year: int | None, kind: str | None) -> str:
        return f"{PREFIX}:stats:{year or 'all'}:{group_by}:{kind or '*'}"

    def detail_key(self, institution_id: str, lang: str) -> str:
        return f"{PREFIX}:detail:{institution_id}:g{self._generation(institution_id)}:{lang}"

    def budget_key(self, institution_id: str, year: int, lang: str) -> str:
        return f"{PREFIX}:budget:{institution_id}:g{self._generation(institution_id)}:{year}:{lang}"

    def _generation(self, name: str) -> int:
        """The current generation of `name` (kept in the process for `local_seconds`); 0 without Redis."""
        now = time.monotonic()
        with self._lock:
            known = self._generations.get(name)
            if known is not None and now - known[1] < self.local_seconds:
                return known[0]
        try:
            value = int(self.redis.get(f"{PREFIX}:gen:{name}") or 0)
        except RedisError:
            return 0  # the cache is down anyway: get and put fail too
        with self._lock:
            self._generations[name] = (value, now)
        return value

    def get(self, key: str, gzipped: bool = False) -> tuple[str, bytes] | None:
        """(etag, body) of the plain or the gzipped representation, or None; counted as a hit or a miss."""
        found = self._get(key + ":gz" if gzipped else key)
        metrics.count_cache("budget", key[len(PREFIX) + 1:].split(":", 1)[0], hit=found is not None)
        return found

    def _get(self, key: str) -> tuple[str, bytes] | None:
        now = time.monotonic()
        with self._lock:
            local = self._local.get(key)
            if local is not None and now - local[2] < self.local_seconds:
                return local[0], local[1]
        current = self.redis.get(key + ":etag")
        if current is None:
            return None
        etag = current.decode()
        with self._lock:
            if local is not None and local[0] == etag:
                local[2] = now
                self._local.move_to_end(key)
                return local[0], local[1]
        value = self.redis.get(key)
        if value is None:
            return None
        stored_etag, _, body = value.partition(b"\n")
        self._remember(key, stored_etag.decode(), body, now)
        return stored_etag.decode(), body

    def put(self, key: str, body: bytes) -> tuple[str, bytes]:
        """Store the body and its gzip; returns (etag of the plain body, gzipped body)."""
        etag = etag_of(body)
        packed = gzip.compress(body, compresslevel=6, mtime=0)
        gz_etag = etag[:-1] + '-gz"'
        with self.redis.pipeline(transaction=True) as pipe:
            for k, e, b in ((key, etag, body), (key + ":gz", gz_etag, packed)):
                pipe.set(k, e.encode() + b"\n" + b, ex=self.ttl)
                pipe.set(k + ":etag", e, ex=self.ttl)
            pipe.execute()
        return etag, packed

    def _remember(self, key: str, etag: str, body: bytes, now: float) -> None:
        if len(body) > self.local_bytes // 4:
            return
        with self._lock:
            old = self._local.pop(key, None)
            if old is not None:
                self._local_size -= len(old[1])
            self._local[key] = [etag, body, now]
            self._local_size += len(body)
            while self._local_size > self.local_bytes:
                _, (_, dropped, _) = self._local.popitem(last=False)
                self._local_size -= len(dropped)

    def invalidate(self, *, years: set[int] = frozenset(), institution_ids: list[str] = (),
                   all_maps: bool = False) -> None:
        """Start new generations of `institution_ids`, of every map (`all_maps`) or of the maps of `years`;
        drop the stats of `years` (stats without a year too). Call it after the change is committed."""
        with self._lock:  # this process moves on at once; others within local_seconds
            self._generations.clear()
        with self.redis.pipeline(transaction=False) as pipe:
            names = sorted(set(institution_ids)) + ([MAPS] if all_maps else []) + [f"{MAPS}:{y}" for y in years]
            for name in names:
                pipe.incr(f"{PREFIX}:gen:{name}")
            pipe.execute()
        if years:  # imports only: a scan is fine
            patterns = [f"{PREFIX}:stats:{y}:*" for y in years] + [f"{PREFIX}:stats:all:*"]
            keys = [k for pattern in patterns for k in self.redis.scan_iter(match=pattern, count=1000)]
            for start in range(0, len(keys), 500):
                self.redis.delete(*keys[start:start + 500])
