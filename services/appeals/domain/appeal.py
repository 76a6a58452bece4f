"""The appeal and its legal workflow. Transitions are checked here, never in the HTTP layer.

submitted -> delivered -> in_progress -> answered -> closed, with the side paths the Administrative
Procedural Code allows: rejected (with a reason), redirected to the competent institution, extended
(once), overdue -> escalated, disputed by the citizen after an answer -> back to an operator.
"""
from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    SUBMITTED = "submitted"
    DELIVERED = "delivered"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"
    REJECTED = "rejected"
    REDIRECTED = "redirected"
    EXTENDED = "extended"
    OVERDUE = "overdue"
    ESCALATED = "escalated"
    DISPUTED = "disputed"


CATEGORIES = ("work_not_done", "poor_quality", "price_inflated", "documents_mismatch", "other")

CATEGORY_NAMES = {
    "work_not_done": {"kk": "Жұмыс орындалмаған немесе тауар жеткізілмеген",
                      "ru": "Работы не выполнены или товар не поставлен"},
    "poor_quality": {"kk": "Сапасы нашар", "ru": "Низкое качество"},
    "price_inflated": {"kk": "Баға немесе көлем асырып көрсетілген", "ru": "Завышены цена или объём"},
    "documents_mismatch": {"kk": "Құжаттар шындыққа сәйкес келмейді", "ru": "Документы не соответствуют действительности"},
    "other": {"kk": "Басқа", "ru": "Другое"},
}

REJECTION_REASONS = ("spam", "duplicate", "not_about_budget")

# Actors are roles, never names: "citizen", "staff", "operator", "system".
TRANSITIONS: dict[Status, frozenset[Status]] = {
    # Staff who find an appeal in their list may start on it even before the email's outcome is known.
    Status.SUBMITTED: frozenset({Status.DELIVERED, Status.IN_PROGRESS, Status.REJECTED, Status.REDIRECTED,
                                 Status.OVERDUE}),
    Status.REDIRECTED: frozenset({Status.DELIVERED, Status.IN_PROGRESS, Status.REJECTED, Status.REDIRECTED,
                                  Status.OVERDUE}),
    Status.DELIVERED: frozenset({Status.IN_PROGRESS, Status.ANSWERED, Status.REJECTED, Status.REDIRECTED,
                                 Status.EXTENDED, Status.OVERDUE}),
    Status.IN_PROGRESS: frozenset({Status.ANSWERED, Status.REJECTED, Status.REDIRECTED, Status.EXTENDED,
                                   Status.OVERDUE}),
    Status.EXTENDED: frozenset({Status.IN_PROGRESS, Status.ANSWERED, Status.OVERDUE}),
    Status.OVERDUE: frozenset({Status.ESCALATED, Status.ANSWERED}),
    Status.ESCALATED: frozenset({Status.IN_PROGRESS, Status.ANSWERED, Status.CLOSED}),
    Status.ANSWERED: frozenset({Status.CLOSED, Status.DISPUTED}),
    Status.DISPUTED: frozenset({Status.IN_PROGRESS, Status.CLOSED, Status.ESCALATED}),
    Status.CLOSED: frozenset(),
    Status.REJECTED: frozenset(),
}

# Who may move an appeal INTO a status.
ACTORS: dict[Status, frozenset[str]] = {
    Status.DELIVERED: frozenset({"system"}),
    Status.IN_PROGRESS: frozenset({"staff", "operator"}),
    Status.ANSWERED: frozenset({"staff"}),
    Status.CLOSED: frozenset({"operator", "system"}),
    Status.REJECTED: frozenset({"operator"}),
    Status.REDIRECTED: frozenset({"operator"}),
    Status.EXTENDED: frozenset({"operator"}),
    Status.OVERDUE: frozenset({"system"}),
    Status.ESCALATED: frozenset({"operator"}),
    Status.DISPUTED: frozenset({"citizen"}),
}

# The answer deadline runs while the appeal is in one of these.
RUNNING = frozenset({Status.SUBMITTED, Status.REDIRECTED, Status.DELIVERED, Status.IN_PROGRESS, Status.EXTENDED})
# The citizen has had no final word yet (counted as open on the map).
FINISHED = frozenset({Status.CLOSED, Status.REJECTED})


class IllegalTransition(Exception):
    """The appeal's current status does not lead to the wanted one (HTTP 409)."""

    def __init__(self, current: Status, wanted: Status, *, why: str | None = None):
        super().__init__(why or f"{current.value} -> {wanted.value}")
        self.current = current
        self.wanted = wanted
        self.why = why
        self.allowed = sorted(s.value for s in TRANSITIONS[current])


class NotYourTransition(Exception):
    """The actor's role may not make this transition (HTTP 403)."""

    def __init__(self, actor: str, wanted: Status):
        super().__init__(f"{actor} may not move an appeal to {wanted.value}")
        self.actor = actor
        self.wanted = wanted


def check_transition(current: Status, wanted: Status, actor: str = "system") -> None:
    if actor not in ACTORS.get(wanted, frozenset()):
        raise NotYourTransition(actor, wanted)
    if wanted not in TRANSITIONS[current]:
        raise IllegalTransition(current, wanted)


def allowed_next(current: Status, actor: str | None = None) -> list[str]:
    """The statuses reachable from `current` (by `actor` when given), for clients' buttons and 409s."""
    return sorted(s.value for s in TRANSITIONS[current] if actor is None or actor in ACTORS.get(s, ()))


def check_extension(current: Status, already_extended: bool) -> None:
    """An extension is granted once, while the institution is still working on the appeal."""
    check_transition(current, Status.EXTENDED, "operator")
    if already_extended:
        raise IllegalTransition(current, Status.EXTENDED, why="an appeal can be extended only once")


def ticket_number(region_code: str, year: int, sequence: int) -> str:
    return f"{region_code}-{year}-{sequence:06d}"
