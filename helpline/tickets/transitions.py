"""The ticket status transition table: the only place that says which status may follow which."""

from __future__ import annotations

from helpline.core.errors import InvalidTransition
from helpline.tickets.models import Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED}),
    Status.OPEN: frozenset({Status.PENDING, Status.ON_HOLD, Status.SOLVED}),
    Status.PENDING: frozenset({Status.OPEN, Status.ON_HOLD, Status.SOLVED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.PENDING, Status.SOLVED}),
    Status.SOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}

# Statuses in which the ticket still waits for someone to act.
UNSOLVED = frozenset({Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD})


def transition_allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def transition_check(current: str, target: str) -> None:
    """Raise InvalidTransition unless `current` → `target` is in the table."""
    if target not in TRANSITIONS:
        raise InvalidTransition(f"'{target}' is not a ticket status.")
    if not transition_allowed(current, target):
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (closed is final)"
        raise InvalidTransition(f"A {current} ticket cannot become {target}; allowed: {allowed}.")
