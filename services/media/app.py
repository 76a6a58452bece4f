"""The media service's app factory."""
from __future__ import annotations

from dataclasses import dataclass

from redis import Redis
from sqlalchemy.engine import Engine

from services.common import auth
from services.common.db import make_engine, make_session_factory, ping
from services.common.kafka import broker_reachable
from services.common.ratelimit import RateLimiter
from services.common.settings import Settings
from services.common.operator import operator_blueprint
from services.common.web import add_readiness_check, create_service_app

from . import api
from .context import MediaContext, build_context
from .storage import Storage


@dataclass
class MediaAppContext(MediaContext):
    engine: Engine | None = None
    redis: Redis | None = None
    rate_limiter: RateLimiter | None = None
    settings: Settings | None = None


def create_app(settings: Settings | None = None, *, storage: Storage | None = None):
    settings = settings or Settings.for_service("media")
    app, smorest = create_service_app(settings, title="Ashyq media API",
                                      description="Photo and video evidence: uploads checked by content, "
                                                  "metadata removed from public copies")
    engine = make_engine(settings.database_url)
    redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    base = build_context(make_session_factory(engine), storage=storage)
    context = MediaAppContext(**vars(base), engine=engine, redis=redis, rate_limiter=RateLimiter(redis, "media"),
                              settings=settings)
    app.extensions["media"] = context
    auth.install(app, settings.jwt_public_key_file, settings.jwt_issuer)
    add_readiness_check(app, "postgresql", lambda: ping(engine))
    add_readiness_check(app, "redis", redis.ping)
    add_readiness_check(app, "minio", context.storage.ping)
    add_readiness_check(app, "kafka", lambda: broker_reachable(settings.kafka_bootstrap), required=False)
    smorest.register_blueprint(api.blp)
    smorest.register_blueprint(operator_blueprint("media", context, groups=["media", "media-uploads"]))
    return app
