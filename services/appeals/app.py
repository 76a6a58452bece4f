"""The appeals service's app factory."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

from flask.json.provider import DefaultJSONProvider
from redis import Redis
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from services.common import auth
from services.common.db import make_engine, make_session_factory, ping
from services.common.kafka import broker_reachable
from services.common.operator import operator_blueprint
from services.common.ratelimit import RateLimiter
from services.common.settings import Settings, get, get_int
from services.common.web import add_readiness_check, create_service_app

from . import api, queries
from .accounts import TokenIssuer
from .limits import SubmitLimits
from .usecases import holiday_calendar
from .workflow import ALMATY, almaty_day


@dataclass
class AppealsContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker
    redis: Redis
    rate_limiter: RateLimiter
    token_issuer: TokenIssuer
    clock: Callable[[], datetime]
    submit_limits: SubmitLimits

    def today(self) -> date:
        return almaty_day(self.clock())


class IsoJSONProvider(DefaultJSONProvider):
    """Dates and times as ISO 8601 (Flask's default is the RFC 822 form)."""

    @staticmethod
    def default(o):
        if isinstance(o, (date, datetime)):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


def parse_limit(text: str) -> tuple[int, int]:
    count, _, window = text.partition("/")
    return int(count), int(window or 60)


def create_app(settings: Settings | None = None, *, clock: Callable[[], datetime] | None = None,
               limits: dict | None = None):
    settings = settings or Settings.for_service("appeals")
    app, smorest = create_service_app(settings, title="Ashyq appeals API",
                                      description="Citizen appeals, their workflow and deadlines, answers, Open311")
    app.json = IsoJSONProvider(app)
    app.json.ensure_ascii = False
    engine = make_engine(settings.database_url, ping_by_socket=True)  # intake: no round trip per checkout
    redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    app.extensions["appeals"] = AppealsContext(
        settings=settings, engine=engine, sessions=make_session_factory(engine), redis=redis,
        rate_limiter=RateLimiter(redis, "appeals"),
        token_issuer=TokenIssuer.from_file(get("ASHYQ_JWT_PRIVATE_KEY_FILE"), settings.jwt_issuer,
                                           get_int("ASHYQ_JWT_TTL_SECONDS")),
        clock=clock or (lambda: datetime.now(ALMATY)),
        submit_limits=SubmitLimits(redis, **(limits or {
            "per_ip": parse_limit(get("ASHYQ_APPEALS_LIMIT_PER_IP")),
            "per_email": parse_limit(get("ASHYQ_APPEALS_LIMIT_PER_EMAIL"))})))
    auth.install(app, settings.jwt_public_key_file, settings.jwt_issuer)
    add_readiness_check(app, "postgresql", lambda: ping(engine))
    add_readiness_check(app, "redis", redis.ping)
    add_readiness_check(app, "kafka", lambda: broker_reachable(settings.kafka_bootstrap), required=False)
    for blueprint in api.BLUEPRINTS:
        smorest.register_blueprint(blueprint)
    app.register_blueprint(api.OPEN311)
    context = app.extensions["appeals"]
    smorest.register_blueprint(operator_blueprint("appeals", context, sections={"appeals": lambda: _summary(context)}))
    return app


def _summary(context: AppealsContext) -> dict:
    with context.sessions() as session:
        holidays = holiday_calendar(session)
    return queries.operator_summary(context.sessions, context.clock(), holidays)
