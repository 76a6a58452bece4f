"""Every environment variable Ashyq reads, in one place, with its local default.

Standard library only: the launcher imports this module before the virtualenv exists.
The defaults describe the local stack started by `make up`; production overrides them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VAR = Path(os.environ.get("ASHYQ_VAR_DIR", ROOT / "var"))

SERVICES = ("budget", "appeals", "media", "notify")

# name -> (default, what it is). The README's table is generated from this.
VARIABLES: dict[str, tuple[str, str]] = {
    "ASHYQ_ENV": ("development", "development | test | production; development enables dev credentials"),
    "ASHYQ_PUBLIC_URL": ("http://localhost:8080", "public base URL (links in emails, tracking URLs)"),
    "ASHYQ_LOG_LEVEL": ("INFO", "log level of services and workers"),
    "ASHYQ_HTTP_PORT": ("8080", "nginx: the one front door"),
    "ASHYQ_BUDGET_PORT": ("8101", "budget service (gunicorn)"),
    "ASHYQ_APPEALS_PORT": ("8102", "appeals service (gunicorn)"),
    "ASHYQ_MEDIA_PORT": ("8103", "media service (gunicorn)"),
    "ASHYQ_NOTIFY_PORT": ("8104", "notify service (gunicorn)"),
    "ASHYQ_WEB_WORKERS": ("3", "gunicorn worker processes per service"),
    "ASHYQ_PG_PORT": ("5433", "PostgreSQL port"),
    "ASHYQ_PG_SUPERUSER_PASSWORD": ("ashyq-dev", "password of the local PostgreSQL superuser `ashyq`"),
    "ASHYQ_BUDGET_DATABASE_URL": ("postgresql+psycopg://budget:budget-dev@127.0.0.1:5433/ashyq_budget", "budget's database"),
    "ASHYQ_APPEALS_DATABASE_URL": ("postgresql+psycopg://appeals:appeals-dev@127.0.0.1:5433/ashyq_appeals", "appeals' database"),
    "ASHYQ_MEDIA_DATABASE_URL": ("postgresql+psycopg://media:media-dev@127.0.0.1:5433/ashyq_media", "media's database"),
    "ASHYQ_NOTIFY_DATABASE_URL": ("postgresql+psycopg://notify:notify-dev@127.0.0.1:5433/ashyq_notify", "notify's database"),
    "ASHYQ_REDIS_URL": ("redis://127.0.0.1:6380/0", "Redis: cache, rate limits, idempotency"),
    "ASHYQ_KAFKA_BOOTSTRAP": ("127.0.0.1:9092", "Kafka bootstrap servers (comma-separated)"),
    "ASHYQ_KAFKA_CONTROLLER_PORT": ("9093", "Kafka KRaft controller port (local launcher)"),
    "ASHYQ_MINIO_ENDPOINT": ("127.0.0.1:9000", "MinIO S3 API host:port"),
    "ASHYQ_MINIO_CONSOLE_PORT": ("9001", "MinIO console port"),
    "ASHYQ_MINIO_ACCESS_KEY": ("ashyq", "MinIO access key"),
    "ASHYQ_MINIO_SECRET_KEY": ("ashyq-dev-secret", "MinIO secret key"),
    "ASHYQ_MINIO_SECURE": ("false", "use TLS to reach MinIO"),
    "ASHYQ_MINIO_PUBLIC_ENDPOINT": ("http://localhost:9000", "MinIO address browsers use for presigned URLs"),
    "ASHYQ_SMTP_HOST": ("127.0.0.1", "SMTP server"),
    "ASHYQ_SMTP_PORT": ("1025", "SMTP port (Mailpit locally)"),
    "ASHYQ_SMTP_TLS": ("none", "none | starttls | ssl"),
    "ASHYQ_SMTP_USER": ("", "SMTP user (empty: no authentication)"),
    "ASHYQ_SMTP_PASSWORD": ("", "SMTP password"),
    "ASHYQ_SMTP_TIMEOUT": ("10", "seconds before an SMTP operation gives up"),
    "ASHYQ_MAIL_FROM": ("Ashyq <no-reply@ashyq.kz>", "From: of every email"),
    "ASHYQ_OPERATOR_MAILBOX": ("operator@anticorruption.akmola.kz", "the authorised body's mailbox"),
    "ASHYQ_NOTIFY_CONSUMER_GROUP": ("notify", "notify's Kafka consumer group (a drill runs its own)"),
    "ASHYQ_NOTIFY_OFFSET_RESET": ("earliest", "where a new notify consumer group starts: earliest | latest"),
    "ASHYQ_NOTIFY_DELIVERY_THREADS": ("8", "parallel SMTP senders per notify worker"),
    "ASHYQ_NOTIFY_OUTBOX_RELAY": ("true", "run notify's outbox relay in this worker (a drill's extra worker does not)"),
    "ASHYQ_MAILPIT_UI_PORT": ("8025", "Mailpit web UI and HTTP API"),
    "ASHYQ_JWT_PRIVATE_KEY_FILE": (str(VAR / "keys" / "jwt-private.pem"), "Ed25519 key that signs tokens (appeals only)"),
    "ASHYQ_JWT_PUBLIC_KEY_FILE": (str(VAR / "keys" / "jwt-public.pem"), "public key every service verifies tokens with"),
    "ASHYQ_JWT_ISSUER": ("ashyq", "iss claim of issued tokens"),
    "ASHYQ_JWT_TTL_SECONDS": ("3600", "lifetime of an access token"),
    "ASHYQ_MAX_BODY_BYTES": ("1048576", "largest JSON request body accepted (bytes)"),
    "ASHYQ_MEDIA_MAX_PHOTO_BYTES": (str(20 * 1024 * 1024), "largest photo upload"),
    "ASHYQ_MEDIA_MAX_VIDEO_BYTES": (str(500 * 1024 * 1024), "largest video upload"),
    "ASHYQ_MEDIA_MAX_PIXELS": ("40000000", "largest photo in pixels (decompression-bomb guard)"),
    "ASHYQ_MEDIA_MAX_VIDEO_SECONDS": ("600", "longest video accepted"),
    "ASHYQ_MEDIA_PRESIGN_TTL_SECONDS": ("3600", "life of a presigned upload URL; unfinished uploads expire after it"),
    "ASHYQ_MEDIA_UPLOADS_PER_HOUR": ("120", "anonymous uploads per client address per hour"),
    "ASHYQ_MEDIA_CLEANUP_SECONDS": ("30", "how often the media worker expires unfinished uploads and sweeps a page of orphaned originals"),
    "ASHYQ_APPEALS_LIMIT_PER_IP": ("6000/60", "appeal submission requests per client IP: count/window seconds (429 beyond)"),
    "ASHYQ_APPEALS_LIMIT_PER_EMAIL": ("10/3600", "appeals accepted per applicant email: count/window seconds"),
    "ASHYQ_OUTBOX_POLL_SECONDS": ("1.0", "longest sleep of an idle outbox relay (committed rows wake it at once: NOTIFY); ~0.05 without LISTEN"),
    "ASHYQ_OUTBOX_LISTEN": ("1", "the outbox relay sleeps on LISTEN (0: it polls, e.g. behind PgBouncer's transaction pooling)"),
    "ASHYQ_WORKER_STUCK_SECONDS": ("120", "a consumer with no progress for this long (a stuck poll; a healthy one returns every second) restarts its worker process"),
    "ASHYQ_CONSUMER_MAX_ATTEMPTS": ("5", "attempts at handling one event before it is dead-lettered"),
    "ASHYQ_BUDGET_REVIEWS_PER_HOUR": ("200", "reviews accepted per client IP an hour (local tests share one IP; production: 5)"),
    "ASHYQ_BUDGET_FLAG_OVER_EXECUTION_PCT": ("0", "budget red flag: executed above plan by more than this %"),
    "ASHYQ_BUDGET_FLAG_YEAR_END_SHARE_PCT": ("40", "budget red flag: share of the year's spending in Q4 (December) above this %"),
    "ASHYQ_BUDGET_FLAG_UNIT_COST_HIGH_RATIO": ("1.8", "budget red flag: unit cost above this multiple of the peers' median"),
    "ASHYQ_BUDGET_FLAG_UNIT_COST_LOW_RATIO": ("0.4", "budget red flag: unit cost below this multiple of the peers' median"),
    "ASHYQ_BUDGET_FLAG_SUPPLIER_SHARE_PCT": ("70", "budget red flag: one supplier's share of contract value above this %"),
    "ASHYQ_BUDGET_CACHE_SECONDS": ("300", "budget: Redis TTL and Cache-Control max-age of map, stats, details"),
    "ASHYQ_BUDGET_MAX_IMPORT_BYTES": (str(20 * 1024 * 1024), "budget: largest import file accepted"),
    "ASHYQ_WEB_ROOT": ("", "folder nginx serves at / (empty: web/dist, else a placeholder)"),
    "ASHYQ_NGINX_BUDGET_UPSTREAM": ("", "nginx upstream of budget (empty: 127.0.0.1:<ASHYQ_BUDGET_PORT>)"),
    "ASHYQ_NGINX_APPEALS_UPSTREAM": ("", "nginx upstream of appeals (empty: 127.0.0.1:<ASHYQ_APPEALS_PORT>)"),
    "ASHYQ_NGINX_MEDIA_UPSTREAM": ("", "nginx upstream of media (empty: 127.0.0.1:<ASHYQ_MEDIA_PORT>)"),
    "ASHYQ_NGINX_NOTIFY_UPSTREAM": ("", "nginx upstream of notify (empty: 127.0.0.1:<ASHYQ_NOTIFY_PORT>)"),
    "PROMETHEUS_MULTIPROC_DIR": ("", "set by the launcher: shared metrics folder of one service's processes"),
}


def get(name: str) -> str:
    """The variable's value from the environment, or its local default."""
    default, _ = VARIABLES[name]
    return os.environ.get(name, default)


def get_int(name: str) -> int:
    return int(get(name))


def get_bool(name: str) -> bool:
    return get(name).strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    """What one service process needs, read once at start."""

    service: str
    env: str
    public_url: str
    database_url: str
    redis_url: str
    kafka_bootstrap: str
    jwt_public_key_file: str
    jwt_issuer: str
    max_body_bytes: int
    log_level: str

    @classmethod
    def for_service(cls, service: str, **overrides) -> "Settings":
        values = dict(
            service=service,
            env=get("ASHYQ_ENV"),
            public_url=get("ASHYQ_PUBLIC_URL"),
            database_url=get(f"ASHYQ_{service.upper()}_DATABASE_URL"),
            redis_url=get("ASHYQ_REDIS_URL"),
            kafka_bootstrap=get("ASHYQ_KAFKA_BOOTSTRAP"),
            jwt_public_key_file=get("ASHYQ_JWT_PUBLIC_KEY_FILE"),
            jwt_issuer=get("ASHYQ_JWT_ISSUER"),
            max_body_bytes=get_int("ASHYQ_MAX_BODY_BYTES"),
            log_level=get("ASHYQ_LOG_LEVEL"),
        )
        values.update(overrides)
        return cls(**values)

    @property
    def development(self) -> bool:
        return self.env in ("development", "test")


def service_port(service: str) -> int:
    return get_int(f"ASHYQ_{service.upper()}_PORT")
