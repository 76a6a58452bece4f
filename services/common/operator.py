"""The operator API every service exposes for what it owns, under /api/<svc>/v1/operator/ (operator role).

- `GET summary`: readiness checks with the time of each check, outbox backlog and oldest age, consumer
  lag per group and partition, dead letters by topic, the last hour's trend, and the service's own
  sections (appeals by status, failed notifications...). Each part is computed on its own: a component
  being down turns that part into {"error": ...} and the rest still answers.
- `GET dead-letters`: the service's consumer groups' records in `<topic>.dlq`, newest first.
- `POST dead-letters/{topic}/{partition}/{offset}/replay`: back to the original topic, once (409 after).

A service registers it in its app factory:
    smorest.register_blueprint(operator_blueprint("notify", app.extensions["notify"]))
The trend is a Redis list of points, one per 15 s, written by `trend_sampler` in the service's worker
(and by the summary itself when a point is due, so a dashboard that is open always has a trend).
"""
from __future__ import annotations

import json
import logging
import socket
import threading
import time
from datetime import datetime, timezone
from typing import Callable

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import RAISE
from redis import Redis
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine

from . import deadletters
from .auth import require_role
from .db import outbox_table
from .errors import unavailable_dependency
from .operator_schemas import (DeadLetterQuerySchema, DeadLetterReplay, EventDeadLetters, OperatorSummary,
                               part2properties)
from .outbox import outbox_stats

logger = logging.getLogger(__name__)

TREND_KEY = "ashyq:operator:trend:{service}"
TREND_SLOT_KEY = "ashyq:operator:trend-slot:{service}:{slot}"
TREND_INTERVAL_SECONDS = 15
TREND_POINTS = 240  # one hour
Section = Callable[[], dict]


class OperatorBlueprint(Blueprint):
    """Documents `Part` fields as oneOf in the API the blueprint is registered on."""

    def register_views_in_doc(self, api, app, spec, **kwargs):
        converter = api.ma_plugin.converter
        if not hasattr(converter, part2properties.__name__):
            converter.add_attribute_function(part2properties)
        super().register_views_in_doc(api, app, spec, **kwargs)


class OperatorSources:
    """What the operator API reads for one service: its database, Redis, Kafka and consumer groups."""

    def __init__(self, service: str, *, engine: Engine, redis: Redis, bootstrap: str, groups: list[str]):
        self.service = service
        self.engine = engine
        self.redis = redis
        self.bootstrap = bootstrap
        self.groups = groups
        self.outbox = outbox_table(MetaData())
        self.kafka = deadletters.OperatorKafka(bootstrap)

    @classmethod
    def from_context(cls, service: str, context, groups: list[str] | None = None) -> "OperatorSources":
        return cls(service, engine=context.engine, redis=context.redis,
                   bootstrap=context.settings.kafka_bootstrap, groups=groups or [service])

    def pipeline(self) -> dict:
        """Outbox, consumer lag and dead letters, each part on its own (a failure becomes {"error"})."""
        result = {"outbox": _guarded(lambda: outbox_stats(self.engine, self.outbox))}
        try:  # both from Kafka: an error in either rebuilds the clients, and both parts say why
            with self.kafka.clients() as (reader, admin):
                lag = _lag_part(deadletters.consumer_lag(admin, reader, self.groups))
                letters = _dead_letter_part(deadletters.read_dead_letters(reader, self.groups))
            result.update(consumer_lag=lag, dead_letters=letters)
        except Exception as exc:
            error = _describe(exc)
            result.update(consumer_lag=error, dead_letters=error)
        return result

    def record_trend_point(self, pipeline: dict) -> bool:
        """Store one trend point per 15 s slot (whoever comes first in the slot writes it)."""
        slot = int(time.time() // TREND_INTERVAL_SECONDS)
        if not self.redis.set(TREND_SLOT_KEY.format(service=self.service, slot=slot), 1, nx=True,
                              ex=TREND_INTERVAL_SECONDS * 4):
            return False
        point = {"t": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 "outbox_backlog": pipeline["outbox"].get("backlog"),
                 "outbox_oldest_age_seconds": pipeline["outbox"].get("oldest_age_seconds"),
                 "consumer_lag": pipeline["consumer_lag"].get("total"),
                 "dead_letters": pipeline["dead_letters"].get("total")}
        key = TREND_KEY.format(service=self.service)
        self.redis.pipeline().lpush(key, json.dumps(point)).ltrim(key, 0, TREND_POINTS - 1).execute()
        return True

    def trend(self) -> dict:
        raw = self.redis.lrange(TREND_KEY.format(service=self.service), 0, TREND_POINTS - 1)
        return {"interval_seconds": TREND_INTERVAL_SECONDS, "points": [json.loads(p) for p in reversed(raw)]}


def operator_blueprint(service: str, context, *, groups: list[str] | None = None,
                       sections: dict[str, Section] | None = None) -> Blueprint:
    """The operator API of `service`; `sections` adds the service's own parts to the summary."""
    sources = OperatorSources.from_context(service, context, groups)
    blp = OperatorBlueprint(f"{service}-operator-pipeline", __name__, url_prefix=f"/api/{service}/v1/operator",
                    description="Operators: health, event flow, dead letters")

    @blp.route("/summary", methods=["GET"])
    @require_role("operator")
    @blp.alt_response(200, schema=OperatorSummary, success=True, description=(
        "Every part is computed on its own: one whose component is down is {error, checked_at} (PartUnavailable)"))
    def summary():
        """Health checks, outbox, consumer lag, dead letters, the last hour's trend and the service's own parts."""
        checks = run_checks(current_app)
        pipeline = sources.pipeline()
        if all("error" not in part for part in pipeline.values()):
            _guarded(lambda: {"recorded": sources.record_trend_point(pipeline)})
        failed = [name for name, c in checks.items() if c["status"] != "ok" and c["required"]]
        degraded = [name for name, c in checks.items() if c["status"] != "ok" and not c["required"]]
        return {"service": service, "checked_at": _now(),
                "status": "unready" if failed else ("degraded" if degraded else "ready"),
                "checks": checks, **pipeline, "trend": _guarded(sources.trend),
                "sections": {name: _guarded(section) for name, section in (sections or {}).items()}}

    @blp.route("/dead-letters", methods=["GET"])
    @blp.arguments(DeadLetterQuerySchema, location="query", unknown=RAISE)
    @require_role("operator")
    @blp.alt_response(200, schema=EventDeadLetters, success=True, description="Newest first")
    def list_dead_letters(query):
        """This service's dead letters (its consumer groups' records in `<topic>.dlq`), newest first."""
        with sources.kafka.clients() as (reader, _):
            letters = deadletters.read_dead_letters(reader, sources.groups)
        letters = letters[:query["limit"]]
        deadletters.mark_replayed(sources.redis, letters)
        return {"service": service, "groups": sources.groups, "dead_letters": [d.as_dict() for d in letters]}

    @blp.route("/dead-letters/<string:topic>/<int:partition>/<int:offset>/replay", methods=["POST"])
    @require_role("operator")
    @blp.alt_response(202, schema=DeadLetterReplay, success=True, description="Published again to its original topic")
    def replay_dead_letter(topic, partition, offset):
        """Publish the dead letter's original record to its original topic again — once (409 after)."""
        with sources.kafka.clients() as (reader, _):
            result = deadletters.replay(reader, sources.redis, sources.bootstrap, sources.groups,
                                        topic, partition, offset)
        return result, 202

    return blp


def run_checks(app) -> dict:
    """Every readiness check of the app, with its outcome, duration and the time it ran."""
    results = {}
    for required, registry in ((True, app.extensions["ashyq.readiness"]), (False, app.extensions["ashyq.degraded"])):
        for name, check in registry.items():
            started, error = time.perf_counter(), None
            try:
                check()
            except Exception as exc:  # a check's failure is the answer
                error = f"{type(exc).__name__}: {exc}"[:300]
            results[name] = {"status": "down" if error else "ok", "required": required, "error": error,
                             "checked_at": _now(), "ms": round((time.perf_counter() - started) * 1000, 1)}
    return results


def tcp_check(name: str, host: str, port: int, timeout: float = 2.0) -> Callable[[], None]:
    """A readiness check that `host:port` accepts a connection (SMTP, MinIO... without a protocol-level ping)."""
    def check() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
        except OSError as exc:
            raise ConnectionError(f"{name} unreachable at {host}:{port}: {exc}") from exc
    return check


def trend_sampler(service: str, *, engine: Engine, redis_url: str, bootstrap: str,
                  groups: list[str] | None = None) -> Callable[[threading.Event], None]:
    """A worker loop storing a trend point every 15 s, so the last hour is there even when nobody looks."""
    def run(stop: threading.Event) -> None:
        redis = Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        sources = OperatorSources(service, engine=engine, redis=redis, bootstrap=bootstrap,
                                  groups=groups or [service])
        while not stop.is_set():
            pipeline = sources.pipeline()
            if all("error" not in part for part in pipeline.values()):
                _guarded(lambda: {"recorded": sources.record_trend_point(pipeline)})
            stop.wait(TREND_INTERVAL_SECONDS - time.time() % TREND_INTERVAL_SECONDS + 0.5)
    return run


def _lag_part(rows: list[dict]) -> dict:
    return {"total": sum(r["lag"] for r in rows), "partitions": rows}


def _dead_letter_part(letters: list) -> dict:
    by_topic = deadletters.count_by_topic(letters)
    return {"total": sum(by_topic.values()), "by_topic": by_topic}


def _guarded(compute: Callable[[], dict]) -> dict:
    try:
        return compute()
    except Exception as exc:  # one part failing must not take the summary down
        return _describe(exc)


def _describe(exc: Exception) -> dict:
    dependency = unavailable_dependency(exc)
    if dependency is None:
        logger.warning("operator summary part failed: %s: %s", type(exc).__name__, exc)
    return {"error": f"{dependency} unavailable" if dependency else f"{type(exc).__name__}: {exc}"[:300],
            "checked_at": _now()}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
