"""The appeal's legal workflow as a state machine: who may move it where, and what is refused."""
import pytest

from services.appeals.domain.appeal import (ACTORS, TRANSITIONS, IllegalTransition, NotYourTransition, Status,
                                            allowed_next, check_extension, check_transition)

HAPPY_PATH = [(Status.SUBMITTED, Status.DELIVERED, "system"), (Status.DELIVERED, Status.IN_PROGRESS, "staff"),
              (Status.IN_PROGRESS, Status.ANSWERED, "staff"), (Status.ANSWERED, Status.CLOSED, "system")]


@pytest.mark.parametrize("current, wanted, actor", HAPPY_PATH)
def test_the_happy_path_is_allowed(current, wanted, actor):
    check_transition(current, wanted, actor)


@pytest.mark.parametrize("current, wanted, actor", [
    (Status.DELIVERED, Status.REJECTED, "operator"),
    (Status.SUBMITTED, Status.REDIRECTED, "operator"),
    (Status.REDIRECTED, Status.DELIVERED, "system"),
    (Status.IN_PROGRESS, Status.EXTENDED, "operator"),
    (Status.EXTENDED, Status.ANSWERED, "staff"),
    (Status.IN_PROGRESS, Status.OVERDUE, "system"),
    (Status.OVERDUE, Status.ESCALATED, "operator"),
    (Status.ESCALATED, Status.ANSWERED, "staff"),
    (Status.ANSWERED, Status.DISPUTED, "citizen"),
    (Status.DISPUTED, Status.IN_PROGRESS, "operator"),
])
def test_the_side_paths_of_the_law_are_allowed(current, wanted, actor):
    check_transition(current, wanted, actor)


def test_an_illegal_transition_names_the_allowed_ones():
    with pytest.raises(IllegalTransition) as caught:
        check_transition(Status.SUBMITTED, Status.ANSWERED, "staff")
    assert caught.value.allowed == ["delivered", "in_progress", "overdue", "redirected", "rejected"]


@pytest.mark.parametrize("wanted, actor", [(Status.ANSWERED, "operator"), (Status.REJECTED, "staff"),
                                           (Status.DISPUTED, "staff"), (Status.DELIVERED, "citizen"),
                                           (Status.EXTENDED, "staff"), (Status.OVERDUE, "operator")])
def test_each_transition_belongs_to_its_role(wanted, actor):
    with pytest.raises(NotYourTransition):
        check_transition(Status.DELIVERED, wanted, actor)


@pytest.mark.parametrize("final", [Status.CLOSED, Status.REJECTED])
def test_closed_and_rejected_appeals_are_final(final):
    assert TRANSITIONS[final] == frozenset()
    for status in Status:
        for actor in ("citizen", "staff", "operator", "system"):
            with pytest.raises((IllegalTransition, NotYourTransition)):
                check_transition(final, status, actor)


def test_every_status_is_reachable_and_every_target_has_an_actor():
    reachable = {Status.SUBMITTED} | {s for targets in TRANSITIONS.values() for s in targets}
    assert reachable == set(Status)
    assert all(ACTORS[s] for s in reachable - {Status.SUBMITTED})


def test_an_extension_is_granted_only_once():
    check_extension(Status.IN_PROGRESS, already_extended=False)
    with pytest.raises(IllegalTransition, match="only once"):
        check_extension(Status.IN_PROGRESS, already_extended=True)


def test_a_dispute_is_possible_only_after_an_answer():
    with pytest.raises(IllegalTransition):
        check_transition(Status.IN_PROGRESS, Status.DISPUTED, "citizen")
    assert allowed_next(Status.ANSWERED, "citizen") == ["disputed"]
