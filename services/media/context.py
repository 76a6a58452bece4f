"""What every media use case needs, built by the app factory and by the worker."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import sessionmaker

from services.common.settings import get, get_bool, get_int

from .domain.media import Limits
from .storage import Storage, make_client, make_public_client


@dataclass
class MediaContext:
    sessions: sessionmaker
    storage: Storage
    limits: Limits
    presign_ttl_seconds: int
    url_ttl_seconds: int = 300  # presigned GET URLs handed to browsers


def limits_from_settings() -> Limits:
    return Limits(photo_bytes=get_int("ASHYQ_MEDIA_MAX_PHOTO_BYTES"), video_bytes=get_int("ASHYQ_MEDIA_MAX_VIDEO_BYTES"),
                  pixels=get_int("ASHYQ_MEDIA_MAX_PIXELS"), video_seconds=float(get("ASHYQ_MEDIA_MAX_VIDEO_SECONDS")))


def storage_from_settings() -> Storage:
    access, secret = get("ASHYQ_MINIO_ACCESS_KEY"), get("ASHYQ_MINIO_SECRET_KEY")
    return Storage(make_client(get("ASHYQ_MINIO_ENDPOINT"), access, secret, get_bool("ASHYQ_MINIO_SECURE")),
                   make_public_client(get("ASHYQ_MINIO_PUBLIC_ENDPOINT"), access, secret))


def build_context(sessions: sessionmaker, storage: Storage | None = None, limits: Limits | None = None) -> MediaContext:
    return MediaContext(sessions=sessions, storage=storage or storage_from_settings(),
                        limits=limits or limits_from_settings(),
                        presign_ttl_seconds=get_int("ASHYQ_MEDIA_PRESIGN_TTL_SECONDS"))
