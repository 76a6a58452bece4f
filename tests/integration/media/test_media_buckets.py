"""Buckets set up by `python -m services.media.cli bootstrap`: private, and MinIO announces presigned uploads."""
import requests

from services.common.settings import get
from services.media import cli
from services.media.storage import BUCKETS, PRESIGNED_PREFIX, PUBLIC, QUARANTINE


def test_no_bucket_can_be_read_or_listed_anonymously(ctx):
    base = get("ASHYQ_MINIO_PUBLIC_ENDPOINT")
    for bucket in BUCKETS:
        assert requests.get(f"{base}/{bucket}/", timeout=5).status_code == 403
        assert requests.get(f"{base}/{bucket}/anything.jpg", timeout=5).status_code == 403
    url = ctx.storage.presigned_get(PUBLIC, "missing.jpg", 60)
    assert requests.get(url, timeout=5).status_code == 404  # signed: allowed in, just nothing there


def test_bootstrap_is_idempotent_and_wires_the_kafka_notification(ctx):
    cli.bootstrap()
    cli.bootstrap()
    config = ctx.storage.client.get_bucket_notification(QUARANTINE)
    [queue] = config.queue_config_list
    assert queue.queue == cli.KAFKA_TARGET and queue.events == ["s3:ObjectCreated:*"]
    assert queue.prefix_filter_rule.value == PRESIGNED_PREFIX
