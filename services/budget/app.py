"""The budget service's app factory."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request
from redis import Redis
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from services.common import auth
from services.common.db import make_engine, make_session_factory, ping
from services.common.kafka import broker_reachable
from services.common.ratelimit import RateLimiter
from services.common.settings import Settings
from services.common.operator import operator_blueprint
from services.common.web import add_readiness_check, create_service_app

from . import api, config
from .cache import Cache
from .domain.redflags import Thresholds


@dataclass
class BudgetContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker
    redis: Redis
    cache: Cache
    cache_seconds: int
    rate_limiter: RateLimiter
    review_limit: int
    thresholds: Thresholds
    reference: api.Reference


def create_app(settings: Settings | None = None, *, review_limit: int | None = None):
    settings = settings or Settings.for_service("budget")
    app, smorest = create_service_app(settings, title="Ashyq budget API",
                                      description="Institutions of Akmola region, their budgets, red flags, open data")
    engine = make_engine(settings.database_url, pool_size=8)
    sessions = make_session_factory(engine)
    redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    app.extensions["budget"] = BudgetContext(
        settings=settings, engine=engine, sessions=sessions, redis=redis,
        cache=Cache(redis, config.cache_seconds()), cache_seconds=min(config.cache_seconds(), 60),
        rate_limiter=RateLimiter(redis, "budget"), review_limit=review_limit or config.reviews_per_hour(), thresholds=config.thresholds(),
        reference=api.Reference(sessions))
    auth.install(app, settings.jwt_public_key_file, settings.jwt_issuer)
    add_readiness_check(app, "postgresql", lambda: ping(engine))
    add_readiness_check(app, "redis", redis.ping, required=False)
    add_readiness_check(app, "kafka", lambda: broker_reachable(settings.kafka_bootstrap), required=False)

    @app.before_request
    def larger_limit_for_imports():
        # Import files may be larger than the JSON bodies the rest of the API accepts.
        if request.path == "/api/budget/v1/imports":
            request.max_content_length = config.max_import_bytes()

    smorest.register_blueprint(api.blp)
    smorest.register_blueprint(operator_blueprint("budget", app.extensions["budget"]))
    return app
