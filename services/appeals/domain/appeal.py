"""The appeal and its statuses. Transitions are checked here, never in the HTTP layer."""
from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    SUBMITTED = "submitted"
    DELIVERED = "delivered"


CATEGORIES = ("work_not_done", "poor_quality", "price_inflated", "documents_mismatch", "other")

TRANSITIONS: dict[Status, set[Status]] = {
    Status.SUBMITTED: {Status.DELIVERED},
    Status.DELIVERED: set(),
}


class IllegalTransition(Exception):
    def __init__(self, current: Status, wanted: Status):
        super().__init__(f"{current.value} -> {wanted.value}")
        self.current = current
        self.wanted = wanted
        self.allowed = sorted(s.value for s in TRANSITIONS[current])


def check_transition(current: Status, wanted: Status) -> None:
    if wanted not in TRANSITIONS[current]:
        raise IllegalTransition(current, wanted)


def ticket_number(region_code: str, year: int, sequence: int) -> str:
    return f"{region_code}-{year}-{sequence:06d}"
