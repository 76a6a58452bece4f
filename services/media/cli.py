"""`python -m services.media.cli bootstrap`: buckets, their policies, lifecycle and MinIO's Kafka notification.

Idempotent: run by the launcher after every start.
"""
from __future__ import annotations

import argparse
import sys

from minio.commonconfig import ENABLED, Filter
from minio.error import S3Error
from minio.lifecycleconfig import AbortIncompleteMultipartUpload, Expiration, LifecycleConfig, Rule
from minio.notificationconfig import NotificationConfig, PrefixFilterRule, QueueConfig

from .context import storage_from_settings
from .storage import BUCKETS, PRESIGNED_PREFIX, QUARANTINE

KAFKA_TARGET = "arn:minio:sqs::PRIMARY:kafka"  # MINIO_NOTIFY_KAFKA_*_PRIMARY, topic media.minio-events


def bootstrap() -> None:
    client = storage_from_settings().client
    for bucket in BUCKETS:
        if not client.bucket_exists(bucket):
            client.make_bucket(bucket)
        try:
            client.delete_bucket_policy(bucket)  # no anonymous access: every read is a presigned URL
        except S3Error as exc:
            if exc.code != "NoSuchBucketPolicy":
                raise
    # Backstop: whatever the cleanup loop misses in quarantine is gone in two days.
    client.set_bucket_lifecycle(QUARANTINE, LifecycleConfig([
        Rule(ENABLED, rule_filter=Filter(prefix=""), rule_id="quarantine-expiry",
             expiration=Expiration(days=2), abort_incomplete_multipart_upload=AbortIncompleteMultipartUpload(1)),
    ]))
    client.set_bucket_notification(QUARANTINE, NotificationConfig(queue_config_list=[
        QueueConfig(queue=KAFKA_TARGET, events=["s3:ObjectCreated:*"], config_id="presigned-uploads",
                    prefix_filter_rule=PrefixFilterRule(PRESIGNED_PREFIX)),
    ]))
    print(f"media: buckets {', '.join(BUCKETS)} private; {QUARANTINE}/{PRESIGNED_PREFIX}* notifies Kafka")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.media.cli")
    parser.add_argument("command", choices=["bootstrap"])
    args = parser.parse_args(argv)
    if args.command == "bootstrap":
        bootstrap()
    return 0


if __name__ == "__main__":
    sys.exit(main())
