"""Prometheus metrics shared by a service's gunicorn workers and its background worker.

With PROMETHEUS_MULTIPROC_DIR set (the launcher sets one folder per service), every process
writes its samples there and /metrics aggregates them.
"""
from __future__ import annotations

import os
import time

from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram,
                               generate_latest, multiprocess, REGISTRY)

HTTP_REQUESTS = Counter("ashyq_http_requests_total", "HTTP requests", ["service", "route", "method", "status"])
HTTP_LATENCY = Histogram("ashyq_http_request_seconds", "HTTP request latency", ["service", "route", "method"],
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
EVENTS_PUBLISHED = Counter("ashyq_events_published_total", "Events published by the outbox relay",
                           ["service", "type"])
EVENTS_CONSUMED = Counter("ashyq_events_consumed_total", "Events handled by a consumer",
                          ["service", "group", "type", "outcome"])
DEAD_LETTERS = Counter("ashyq_dead_letters_total", "Events sent to a dead-letter topic", ["service", "topic"])
OUTBOX_BACKLOG = Gauge("ashyq_outbox_backlog", "Outbox rows not yet published", ["service"],
                       multiprocess_mode="max")
OUTBOX_OLDEST_AGE = Gauge("ashyq_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row",
                          ["service"], multiprocess_mode="max")
CONSUMER_LAG = Gauge("ashyq_consumer_lag", "Messages behind the end of a partition",
                     ["service", "group", "topic", "partition"], multiprocess_mode="max")
CACHE_LOOKUPS = Counter("ashyq_cache_lookups_total", "Cache lookups by outcome (hit ratio = hit / all)",
                        ["service", "cache", "outcome"])
EMAILS = Counter("ashyq_emails_total", "Emails handed to SMTP, by outcome (sent / failed)",
                 ["template", "outcome"])
MEDIA = Counter("ashyq_media_total", "Uploads stored or rejected, by reason", ["kind", "outcome", "reason"])
APPEALS = Gauge("ashyq_appeals", "Appeals by status", ["status"], multiprocess_mode="mostrecent")
APPEALS_OVERDUE = Gauge("ashyq_appeals_overdue", "Open appeals past their deadline", [],
                        multiprocess_mode="mostrecent")
APPEALS_DUE_SOON = Gauge("ashyq_appeals_due_soon", "Open appeals within 3 working days of their deadline", [],
                         multiprocess_mode="mostrecent")


def count_cache(service: str, cache: str, hit: bool) -> None:
    """Call on every cache lookup: `count_cache("budget", "map", hit=value is not None)`."""
    CACHE_LOOKUPS.labels(service, cache, "hit" if hit else "miss").inc()


def count_email(template: str, sent: bool) -> None:
    """Call when an email is sent, and when it fails for good (not on a retried temporary failure)."""
    EMAILS.labels(template, "sent" if sent else "failed").inc()


def count_media(kind: str, stored: bool, reason: str = "") -> None:
    """Call when an upload is stored (reason "") or rejected (reason: too_large, bad_type, ...)."""
    MEDIA.labels(kind or "unknown", "stored" if stored else "rejected", reason).inc()


def set_appeal_counts(by_status: dict[str, int], overdue: int, due_soon: int) -> None:
    """Call periodically (e.g. from the appeals operator sampler) with fresh counts from the database."""
    for status, count in by_status.items():
        APPEALS.labels(status).set(count)
    APPEALS_OVERDUE.set(overdue)
    APPEALS_DUE_SOON.set(due_soon)


def install_http_metrics(app, service: str) -> None:
    from flask import g, request

    @app.after_request
    def observe(response):
        started = g.get("started")
        route = request.url_rule.rule if request.url_rule else "unmatched"
        if started is not None:
            HTTP_LATENCY.labels(service, route, request.method).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(service, route, request.method, str(response.status_code)).inc()
        return response


def render() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
