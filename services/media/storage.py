"""MinIO: three private buckets and the few operations media needs.

- quarantine: presigned uploads land here (prefix `presigned/`); MinIO announces them on Kafka.
- originals: the untouched files, evidence for the authorised body; never served publicly.
- public: re-encoded copies and thumbnails, handed out only through short-lived presigned URLs.
No bucket has an anonymous policy.
"""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import urllib3
from minio import Minio
from minio.commonconfig import CopySource
from minio.error import S3Error

QUARANTINE = "media-quarantine"
ORIGINALS = "media-originals"
PUBLIC = "media-public"
BUCKETS = (QUARANTINE, ORIGINALS, PUBLIC)
PRESIGNED_PREFIX = "presigned/"
PART_SIZE = 8 * 1024 * 1024  # memory per streamed upload is about one part
REGION = "us-east-1"  # fixed, so presigning never has to ask the server


def make_client(endpoint: str, access_key: str, secret_key: str, secure: bool) -> Minio:
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=3, read=120), maxsize=32,
        retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504)))
    return Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=REGION,
                 http_client=http)


def make_public_client(public_endpoint: str, access_key: str, secret_key: str) -> Minio:
    """Signs URLs for browsers: the signature covers the host, so it must be the address they use."""
    secure = public_endpoint.startswith("https://")
    host = public_endpoint.split("://", 1)[-1].rstrip("/")
    return Minio(host, access_key=access_key, secret_key=secret_key, secure=secure, region=REGION)


class Storage:
    def __init__(self, client: Minio, public_client: Minio):
        self.client = client
        self.public_client = public_client

    def put_stream(self, bucket: str, key: str, stream: BinaryIO, content_type: str) -> None:
        self.client.put_object(bucket, key, stream, length=-1, part_size=PART_SIZE, content_type=content_type,
                               num_parallel_uploads=1)

    def put_file(self, bucket: str, key: str, path: Path, content_type: str) -> None:
        self.client.fput_object(bucket, key, str(path), content_type=content_type, part_size=PART_SIZE,
                                num_parallel_uploads=1)

    def download(self, bucket: str, key: str, path: Path) -> None:
        response = self.client.get_object(bucket, key)
        try:
            with open(path, "wb") as file:
                for chunk in response.stream(1024 * 1024):
                    file.write(chunk)
        finally:
            response.close()
            response.release_conn()

    def size(self, bucket: str, key: str) -> int | None:
        try:
            return self.client.stat_object(bucket, key).size
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                return None
            raise

    def copy(self, bucket: str, key: str, source_bucket: str, source_key: str) -> None:
        self.client.copy_object(bucket, key, CopySource(source_bucket, source_key))

    def page(self, bucket: str, *, start_after: str, limit: int) -> list[tuple[str, datetime]]:
        """Up to `limit` (key, last modified) in key order after `start_after`."""
        objects = self.client.list_objects(bucket, recursive=True, start_after=start_after or None)
        return [(o.object_name, o.last_modified) for o in itertools.islice(objects, limit)]

    def remove(self, bucket: str, key: str) -> None:
        self.client.remove_object(bucket, key)  # removing a missing object is not an error in S3

    def presigned_get(self, bucket: str, key: str, seconds: int, filename: str | None = None,
                      attachment: bool = False) -> str:
        disposition = "attachment" if attachment else "inline"
        headers = {"response-content-disposition": f'{disposition}; filename="{filename}"'} if filename else None
        return self.public_client.presigned_get_object(bucket, key, expires=timedelta(seconds=seconds),
                                                       response_headers=headers)

    def presigned_put(self, bucket: str, key: str, seconds: int) -> str:
        return self.public_client.presigned_put_object(bucket, key, expires=timedelta(seconds=seconds))

    def ping(self) -> None:
        self.client.bucket_exists(PUBLIC)
