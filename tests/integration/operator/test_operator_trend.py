"""The worker's trend sampler stores a point per 15 s in Redis, and the summary reads the last hour back."""
import json
import threading
import uuid

from redis import Redis

from services.common.db import make_engine
from services.common.operator import TREND_KEY, TREND_POINTS, trend_sampler
from services.common.settings import Settings
from tests.support.polling import wait_for


def test_the_sampler_stores_pipeline_points_in_a_capped_redis_list():
    settings = Settings.for_service("notify")
    service = f"optrend-{uuid.uuid4().hex[:8]}"
    redis = Redis.from_url(settings.redis_url)
    key = TREND_KEY.format(service=service)
    stop = threading.Event()
    loop = trend_sampler(service, engine=make_engine(settings.database_url), redis_url=settings.redis_url,
                         bootstrap=settings.kafka_bootstrap, groups=["notify"])
    thread = threading.Thread(target=loop, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_for(lambda: redis.llen(key) >= 1, timeout=15, what="a trend point")
        point = json.loads(redis.lindex(key, 0))
    finally:
        stop.set()
        thread.join(timeout=20)
        redis.delete(key)
    assert set(point) == {"t", "outbox_backlog", "outbox_oldest_age_seconds", "consumer_lag", "dead_letters"}
    assert point["consumer_lag"] >= 0 and point["outbox_backlog"] >= 0
    assert TREND_POINTS == 240  # one hour at 15 s
