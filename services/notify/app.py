"""The notify service's app factory (delivery log and operator actions)."""
from __future__ import annotations

from dataclasses import dataclass

from redis import Redis
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from services.common import auth
from services.common.db import make_engine, make_session_factory, ping
from services.common.kafka import broker_reachable
from services.common.operator import operator_blueprint, tcp_check
from services.common.settings import Settings, get, get_int
from services.common.web import add_readiness_check, create_service_app

from . import api
from .rendering import Renderer


@dataclass
class NotifyContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker
    redis: Redis
    renderer: Renderer  # re-renders an institution's email re-addressed on retry


def create_app(settings: Settings | None = None):
    settings = settings or Settings.for_service("notify")
    app, smorest = create_service_app(settings, title="Ashyq notify API",
                                      description="Emails to institutions and citizens, and their delivery log")
    engine = make_engine(settings.database_url)
    redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    app.extensions["notify"] = NotifyContext(settings=settings, engine=engine,
                                             sessions=make_session_factory(engine), redis=redis,
                                             renderer=Renderer(settings.public_url))
    auth.install(app, settings.jwt_public_key_file, settings.jwt_issuer)
    add_readiness_check(app, "postgresql", lambda: ping(engine))
    # Notify can do nothing without Kafka: no events in, no outcomes out.
    add_readiness_check(app, "kafka", lambda: broker_reachable(settings.kafka_bootstrap))
    add_readiness_check(app, "redis", redis.ping, required=False)  # operator replays and trend need it
    add_readiness_check(app, "smtp", tcp_check("SMTP", get("ASHYQ_SMTP_HOST"), get_int("ASHYQ_SMTP_PORT")),
                        required=False)
    smorest.register_blueprint(api.blp)
    smorest.register_blueprint(operator_blueprint("notify", app.extensions["notify"]))
    return app
