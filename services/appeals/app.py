"""The appeals service's app factory."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable
from zoneinfo import ZoneInfo

from redis import Redis
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from services.common import auth
from services.common.db import make_engine, make_session_factory, ping
from services.common.kafka import broker_reachable
from services.common.operator import operator_blueprint
from services.common.ratelimit import RateLimiter
from services.common.settings import Settings
from services.common.web import add_readiness_check, create_service_app

from . import api

ALMATY = ZoneInfo("Asia/Almaty")


@dataclass
class AppealsContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker
    redis: Redis
    rate_limiter: RateLimiter
    clock: Callable[[], datetime]

    def today(self) -> date:
        return self.clock().astimezone(ALMATY).date()


def create_app(settings: Settings | None = None, *, clock: Callable[[], datetime] | None = None):
    settings = settings or Settings.for_service("appeals")
    app, smorest = create_service_app(settings, title="Ashyq appeals API",
                                      description="Citizen appeals, their workflow and deadlines, answers, Open311")
    engine = make_engine(settings.database_url)
    redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    app.extensions["appeals"] = AppealsContext(
        settings=settings, engine=engine, sessions=make_session_factory(engine), redis=redis,
        rate_limiter=RateLimiter(redis, "appeals"), clock=clock or (lambda: datetime.now(ALMATY)))
    auth.install(app, settings.jwt_public_key_file, settings.jwt_issuer)
    add_readiness_check(app, "postgresql", lambda: ping(engine))
    add_readiness_check(app, "redis", redis.ping)
    add_readiness_check(app, "kafka", lambda: broker_reachable(settings.kafka_bootstrap), required=False)
    smorest.register_blueprint(api.blp)
    smorest.register_blueprint(operator_blueprint("appeals", app.extensions["appeals"]))
    return app
