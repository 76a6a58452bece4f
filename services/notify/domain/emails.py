"""Who gets which email for which appeal event, and in which language.

Citizens read their own language (kk or ru); institutions and the authorised body get both in one email.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

SUBMITTED = "appeal_submitted"
STATUS_CHANGED = "appeal_status_changed"
ANSWERED = "appeal_answered"
DEADLINE_APPROACHING = "appeal_deadline_approaching"
OVERDUE = "appeal_overdue"

INSTITUTION, CITIZEN, OPERATOR = "institution", "citizen", "operator"
BILINGUAL = "kk+ru"
CITIZEN_LANGUAGES = ("kk", "ru")


@dataclass(frozen=True)
class PlannedEmail:
    recipient_kind: str
    template: str


# Status changes the citizen is told about. "answered" is told by the answered event (it has the text);
# disputed and escalated are the operator's business; overdue has its own event.
CITIZEN_STATUS_TEMPLATES = {
    "delivered": "status_delivered_citizen",
    "in_progress": "status_in_progress_citizen",
    "redirected": "status_redirected_citizen",
    "extended": "status_extended_citizen",
    "closed": "status_closed_citizen",
    "rejected": "status_rejected_citizen",
}

PLANS = {
    SUBMITTED: (PlannedEmail(INSTITUTION, "appeal_submitted_institution"),
                PlannedEmail(CITIZEN, "appeal_submitted_citizen")),
    ANSWERED: (PlannedEmail(CITIZEN, "appeal_answered_citizen"),),
    DEADLINE_APPROACHING: (PlannedEmail(INSTITUTION, "deadline_reminder_institution"),),
    OVERDUE: (PlannedEmail(INSTITUTION, "appeal_overdue_institution"),
              PlannedEmail(OPERATOR, "appeal_overdue_operator")),
}


def emails_for(event_name: str, to_status: str | None = None) -> tuple[PlannedEmail, ...]:
    """The emails one appeal event causes; none for events and statuses nobody is told about."""
    if event_name == STATUS_CHANGED:
        planned = []
        if to_status == "redirected":  # the new institution learns of the appeal as if it were new
            planned.append(PlannedEmail(INSTITUTION, "appeal_redirected_institution"))
        if to_status in CITIZEN_STATUS_TEMPLATES:
            planned.append(PlannedEmail(CITIZEN, CITIZEN_STATUS_TEMPLATES[to_status]))
        return tuple(planned)
    return PLANS.get(event_name, ())


def all_templates() -> dict[str, str]:
    """Every template with its recipient kind (for tests that render each one)."""
    templates = {p.template: p.recipient_kind for plan in PLANS.values() for p in plan}
    templates.update({t: CITIZEN for t in CITIZEN_STATUS_TEMPLATES.values()})
    templates["appeal_redirected_institution"] = INSTITUTION
    return templates


def language_for(recipient_kind: str, citizen_language: str | None) -> str:
    if recipient_kind != CITIZEN:
        return BILINGUAL
    return citizen_language if citizen_language in CITIZEN_LANGUAGES else "kk"  # Kazakh by default


def priority_of(recipient_kind: str) -> int:
    """0 goes out first: the institution must learn of an appeal (and the authorised body of an overdue one)."""
    return 1 if recipient_kind == CITIZEN else 0


_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\".]+$")


def is_plausible_address(address: str) -> bool:
    """A cheap syntax check: a clearly broken address fails for good without bothering the SMTP server."""
    return bool(_ADDRESS.match(address or "")) and len(address) <= 254
