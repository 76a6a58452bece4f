"""Redis cache of rendered responses (map, stats, details) with their ETag.

Each representation (plain, and gzip compressed once when cached) is stored as
`<expiry> <etag>\n<body>` under its key. Keys carry generations: one per institution (its detail and
budget breakdowns), one for all maps, one for the maps of each year, one for the stats of each year (and
one for the stats of all years). A change starts new generations after its commit, so every later request
builds afresh under a new key; a request that read the database before the change may still store its
(old) answer, but under a generation nobody asks for any more. So what is stored under a key never
changes: a process keeps the bodies it served lately until their expiry (no database query, no
serialisation, no Redis round trip on a hit) and only asks Redis for the current generations, once per
`local_seconds` each — the time another process may go on serving an answer a change has replaced.
"""
from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections import OrderedDict

from redis import Redis, RedisError

from services.common import metrics

PREFIX = "budget:cache:v3"  # a new version when a cached body's format changes: old answers are never served
MAPS = "maps"  # every map's generation; "maps:<year>" one year's (institution generations: their id)
STATS = "stats"  # "stats:<year>", "stats:all"


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest() + '"'


class Cache:
    def __init__(self, redis: Redis, ttl_seconds: int = 300, local_bytes: int = 64 * 1024 * 1024,
                 local_seconds: float = 1.0):
        self.redis = redis
        self.ttl = ttl_seconds
        self.local_bytes = local_bytes
        self.local_seconds = local_seconds
        self._local: OrderedDict[str, list] = OrderedDict()   # key -> [etag, body, expiry (epoch seconds)]
        self._local_size = 0
        self._generations: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, ttl_seconds: int = 300) -> "Cache":
        return cls(Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2), ttl_seconds)

    def map_key(self, year: int, kind: str | None, district: str | None) -> str:
        generations = f"g{self._generation(MAPS)}.{self._generation(f'{MAPS}:{year}')}"
        return f"{PREFIX}:map:{generations}:{year}:{kind or '*'}:{district or '*'}"

    def stats_key(self, group_by: str, year: int | None, kind: str | None) -> str:
        years = year or "all"
        return f"{PREFIX}:stats:g{self._generation(f'{STATS}:{years}')}:{years}:{group_by}:{kind or '*'}"

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
        with self._lock:
            local = self._local.get(key)
            if local is not None and time.time() < local[2]:
                self._local.move_to_end(key)
                return local[0], local[1]
        value = self.redis.get(key)
        if value is None:
            return None
        head, _, body = value.partition(b"\n")
        expiry, _, etag = head.decode().partition(" ")
        self._remember(key, etag, body, float(expiry))
        return etag, body

    def put(self, key: str, body: bytes) -> tuple[str, bytes]:
        """Store the body and its gzip; returns (etag of the plain body, gzipped body)."""
        etag = etag_of(body)
        packed = gzip.compress(body, compresslevel=6, mtime=0)
        expiry = time.time() + self.ttl
        with self.redis.pipeline(transaction=True) as pipe:
            for k, e, b in ((key, etag, body), (key + ":gz", etag[:-1] + '-gz"', packed)):
                pipe.set(k, f"{expiry} {e}\n".encode() + b, ex=self.ttl)
            pipe.execute()
        return etag, packed

    def _remember(self, key: str, etag: str, body: bytes, expiry: float) -> None:
        if len(body) > self.local_bytes // 4:
            return
        with self._lock:
            old = self._local.pop(key, None)
            if old is not None:
                self._local_size -= len(old[1])
            self._local[key] = [etag, body, expiry]
            self._local_size += len(body)
            while self._local_size > self.local_bytes:
                _, (_, dropped, _) = self._local.popitem(last=False)
                self._local_size -= len(dropped)

    def invalidate(self, *, years: set[int] = frozenset(), institution_ids: list[str] = (),
                   all_maps: bool = False) -> None:
        """Start new generations of `institution_ids`, of every map (`all_maps`), of the maps and stats of
        `years` (and the stats of all years). Call it after the change is committed."""
        names = sorted(set(institution_ids)) + ([MAPS] if all_maps else [])
        names += [f"{group}:{y}" for y in sorted(years) for group in (MAPS, STATS)]
        names += [f"{STATS}:all"] if years else []
        with self._lock:  # this process moves on at once; others within local_seconds
            self._generations.clear()
        with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.incr(f"{PREFIX}:gen:{name}")
            pipe.execute()
