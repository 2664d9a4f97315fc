from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from helpline.jobs.cron import parse_cron, parse_field

FIELDS = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]
WINDOW_MINUTES = 2 * 24 * 60


# --- an independent oracle: what a field means, value by value, straight from the cron grammar ---


def oracle_contains(text: str, value: int, low: int, high: int) -> bool:
    for term in text.split(","):
        base, slash, step = term.partition("/")
        if base == "*":
            first, last = low, high
        elif "-" in base:
            first, last = (int(part) for part in base.split("-"))
        else:
            first = int(base)
            last = high if slash else first
        if first <= value <= last and (value - first) % int(step or 1) == 0:
            return True
    return False


def oracle_values(text: str, low: int, high: int) -> set[int]:
    return {value for value in range(low, high + 1) if oracle_contains(text, value, low, high)}


def oracle_matcher(fields: list[str]) -> Callable[[datetime], bool]:
    """Brute force: does a minute match? (Vixie cron: restricted day fields are OR-ed.)"""
    minutes, hours, days, months, weekdays = (oracle_values(text, *FIELDS[n]) for n, text in enumerate(fields))
    either_day = not fields[2].startswith("*") and not fields[4].startswith("*")

    def matches(minute: datetime) -> bool:
        weekday_ok = minute.isoweekday() % 7 in weekdays or (minute.isoweekday() == 7 and 7 in weekdays)
        day_ok = minute.day in days
        day_match = (day_ok or weekday_ok) if either_day else (day_ok and weekday_ok)
        return minute.minute in minutes and minute.hour in hours and minute.month in months and day_match

    return matches


def oracle_never_matches(fields: list[str]) -> bool:
    """Only a restricted day of month with any weekday can name days that do not exist (31 Feb)."""
    if fields[2].startswith("*") or not fields[4].startswith("*"):
        return False
    days, months = oracle_values(fields[2], 1, 31), oracle_values(fields[3], 1, 12)
    leap_year_lengths = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return not any(day <= leap_year_lengths[month - 1] for month in months for day in days)


@st.composite
def field_term(draw: st.DrawFn, low: int, high: int) -> str:
    kind = draw(st.sampled_from(["*", "value", "range", "start-step"]))
    step = draw(st.one_of(st.none(), st.integers(1, high - low + 2)))
    suffix = f"/{step}" if step is not None else ""
    if kind == "*":
        return "*" + suffix
    first = draw(st.integers(low, high))
    if kind == "range":
        return f"{first}-{draw(st.integers(first, high))}{suffix}"
    if kind == "start-step":
        return f"{first}/{step or 1}"
    return str(first)


def field_text(low: int, high: int) -> st.SearchStrategy[str]:
    return st.lists(field_term(low, high), min_size=1, max_size=3).map(",".join)


expressions = st.tuples(*(field_text(low, high) for low, high in FIELDS)).map(list)
moments = st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=UTC)
)


# --- properties ------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(data=st.data(), field=st.sampled_from(FIELDS))
def test_a_field_names_exactly_the_values_the_grammar_says(data, field):
    # given any field text
    low, high = field
    text = data.draw(field_text(low, high))

    # when it is parsed, then it holds exactly the values the oracle finds one by one
    assert parse_field(text, low, high) == oracle_values(text, low, high)


@settings(max_examples=100, deadline=None)
@given(fields=expressions, moment=moments)
def test_latest_slot_is_the_newest_matching_minute_found_by_brute_force(fields, moment):
    # given any expression; those naming no existing day ("0 0 31 2 *") must be refused
    if oracle_never_matches(fields):
        event("refused: names no existing day")
        with pytest.raises(ValueError):
            parse_cron(" ".join(fields))
        return
    expression = parse_cron(" ".join(fields))
    matches = oracle_matcher(fields)

    # when asked for its latest slot at a moment
    slot = expression.latest_slot(moment)

    # then a backwards walk minute by minute finds the same minute, or none in its window if
    # the slot lies further back
    start = moment.replace(second=0, microsecond=0)
    walked = (start - timedelta(minutes=n) for n in range(WINDOW_MINUTES))
    expected = next((minute for minute in walked if matches(minute)), None)
    event("slot inside the walked window" if expected is not None else "slot before the walked window")
    if expected is not None:
        assert slot == expected
    else:
        assert slot <= start - timedelta(minutes=WINDOW_MINUTES)
        assert matches(slot)


# --- examples --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "moment", "slot"),
    [
        ("*/5 * * * *", "2026-03-02T10:07:59", "2026-03-02T10:05:00"),
        ("*/5 * * * *", "2026-03-02T10:05:00", "2026-03-02T10:05:00"),
        ("0 * * * *", "2026-03-02T00:00:30", "2026-03-02T00:00:00"),
        ("30 2 * * *", "2026-03-02T02:29:00", "2026-03-01T02:30:00"),
        ("0 9-17/4 * * 1-5", "2026-03-02T08:00:00", "2026-02-27T17:00:00"),  # Monday 8:00 → Friday
        ("0 0 1 * *", "2026-03-02T10:00:00", "2026-03-01T00:00:00"),
        ("0 0 29 2 *", "2026-03-02T10:00:00", "2024-02-29T00:00:00"),
        ("0 0 13 * 5", "2026-03-02T10:00:00", "2026-02-27T00:00:00"),  # the 13th OR a Friday
        ("0 12 * * 7", "2026-03-02T10:00:00", "2026-03-01T12:00:00"),  # 7 is Sunday too
        ("15,45 6 * 1,7 *", "2026-03-02T10:00:00", "2026-01-31T06:45:00"),
    ],
)
def test_latest_slot_examples(expression, moment, slot):
    # when, then
    latest = parse_cron(expression).latest_slot(datetime.fromisoformat(moment).replace(tzinfo=UTC))
    assert latest == datetime.fromisoformat(slot).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "expression",
    [
        "* * * *",
        "* * * * * *",
        "60 * * * *",
        "* 24 * * *",
        "* * 0 * *",
        "* * * 13 *",
        "* * * * 8",
        "*/0 * * * *",
        "5-1 * * * *",
        "a * * * *",
        "1,,2 * * * *",
        "-1 * * * *",
        "0 0 30 2 *",
        "0 0 31 4,6,9,11 *",
    ],
)
def test_invalid_expressions_are_refused(expression):
    # when, then
    with pytest.raises(ValueError):
        parse_cron(expression)
