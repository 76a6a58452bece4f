"""Errors every service answers with, as RFC 9457 problem JSON (application/problem+json)."""
from __future__ import annotations


class Problem(Exception):
    """An error meant for the client. `detail` may be a str or {"kk": ..., "ru": ...}."""

    def __init__(self, status: int, detail=None, *, errors=None, headers=None, **extra):
        super().__init__(detail if isinstance(detail, str) else str(status))
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


class DependencyUnavailable(Problem):
    """A component this request needs (database, Redis, MinIO...) is down: 503, nothing half-written."""

    def __init__(self, dependency: str):
        super().__init__(503, {"kk": f"{dependency} уақытша қолжетімсіз", "ru": f"{dependency} временно недоступен",
                               "en": f"{dependency} is unavailable"},
                         headers={"Retry-After": "5"}, dependency=dependency)


def unavailable_dependency(error: BaseException) -> str | None:
    """The name of the component whose client raised `error` because it is unreachable, else None."""
    module = type(error).__module__
    name = type(error).__name__
    if module.startswith(("sqlalchemy", "psycopg")) and name in (
            "OperationalError", "InterfaceError", "TimeoutError", "ConnectionTimeout"):
        return "PostgreSQL"
    if module.startswith("redis") and name in ("ConnectionError", "TimeoutError", "BusyLoadingError"):
        return "Redis"
    if module.startswith(("urllib3", "minio")) and name in (
            "MaxRetryError", "NewConnectionError", "ProtocolError", "ServerError", "ReadTimeoutError"):
        return "MinIO"
    if module.startswith("kafka") and name in ("NoBrokersAvailable", "KafkaTimeoutError", "KafkaConnectionError"):
        return "Kafka"
    if isinstance(error, (ConnectionError, TimeoutError)):
        return "network"
    return None
