"""JSON logs, one object a line, carrying the request id of the work in hand."""
from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
import uuid

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# Never logged, whatever a caller passes in `extra`: personal data stays out of logs.
_PRIVATE_KEYS = {"email", "phone", "name", "ip", "applicant", "password", "token"}


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return request_id_var.get()


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in getattr(record, "fields", {}).items():
            if key not in _PRIVATE_KEYS:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("kafka", "urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel("WARNING")


def log(logger: logging.Logger, level: int, msg: str, **fields) -> None:
    """Log with structured fields: log(logger, logging.INFO, "appeal submitted", appeal_id=...)."""
    logger.log(level, msg, extra={"fields": fields})
