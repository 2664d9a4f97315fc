"""Cron expressions (`*/5 * * * *`), evaluated in UTC.

Five fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12), day of week (0-7,
0 and 7 are Sunday). Each field is a comma-separated list of `*`, `n` or `n-m`, each optionally
followed by `/step` (`n/step` means from n to the end of the range). As in Vixie cron, when both
the day of month and the day of week are restricted (neither starts with `*`), a day matches if
either does; otherwise both must.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

# The longest gap between two matching days: Feb 29 falling on a given weekday recurs within 28
# years (the Gregorian 400-year cycle adds a skipped leap day, so allow one more).
_SEARCH_DAYS = 366 * 29

_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
)


@dataclass(frozen=True)
class CronExpression:
    """A parsed cron expression; `latest_slot` gives the newest matching minute."""

    source: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday … 6 = Saturday
    days_restricted: bool
    weekdays_restricted: bool

    def __str__(self) -> str:
        return f"cron({self.source!r})"

    def day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        in_days = day.day in self.days
        in_weekdays = day.isoweekday() % 7 in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return in_days or in_weekdays
        return in_days and in_weekdays

    def matches(self, moment: datetime) -> bool:
        moment = moment.astimezone(UTC)
        return moment.minute in self.minutes and moment.hour in self.hours and self.day_matches(moment.date())

    def latest_slot(self, moment: datetime) -> datetime:
        """The newest whole minute at or before `moment` that the expression matches (UTC)."""
        moment = moment.astimezone(UTC).replace(second=0, microsecond=0)
        day = moment.date()
        for _ in range(_SEARCH_DAYS):
            if self.day_matches(day):
                found = self._latest_time_on(day, moment if day == moment.date() else None)
                if found is not None:
                    return found
            day -= timedelta(days=1)
        raise ValueError(f"{self} matches no time in {_SEARCH_DAYS} days")

    def _latest_time_on(self, day: date, limit: datetime | None) -> datetime | None:
        for hour in sorted(self.hours, reverse=True):
            if limit is not None and hour > limit.hour:
                continue
            last_minute = limit.minute if limit is not None and hour == limit.hour else 59
            minutes = [m for m in self.minutes if m <= last_minute]
            if minutes:
                return datetime(day.year, day.month, day.day, hour, max(minutes), tzinfo=UTC)
        return None


def parse_cron(source: str) -> CronExpression:
    """Parse a five-field cron expression; ValueError says which field is wrong."""
    parts = source.split()
    if len(parts) != len(_FIELDS):
        raise ValueError(f"A cron expression has 5 fields, {source!r} has {len(parts)}")
    values = [parse_field(text, low, high, name=name) for text, (name, low, high) in zip(parts, _FIELDS, strict=True)]
    weekdays = frozenset(d % 7 for d in values[4])
    expression = CronExpression(
        source=source,
        minutes=values[0],
        hours=values[1],
        days=values[2],
        months=values[3],
        weekdays=weekdays,
        days_restricted=not parts[2].startswith("*"),
        weekdays_restricted=not parts[4].startswith("*"),
    )
    # Fail now, not at the first tick, on days that never come ("0 0 30 2 *").
    expression.latest_slot(datetime(2000, 1, 1, tzinfo=UTC))
    return expression


def parse_field(text: str, low: int, high: int, *, name: str = "field") -> frozenset[int]:
    """The values in [low, high] that one cron field names."""
    values: set[int] = set()
    for term in text.split(","):
        values.update(_parse_term(term, low, high, name=name))
    return frozenset(values)


def _parse_term(term: str, low: int, high: int, *, name: str) -> range:
    base, slash, step_text = term.partition("/")
    step = _number(step_text, name=name) if slash else 1
    if step < 1:
        raise ValueError(f"Cron {name}: step must be at least 1 in {term!r}")
    if base == "*":
        start, end = low, high
    elif "-" in base:
        first, _, last = base.partition("-")
        start, end = _number(first, name=name), _number(last, name=name)
    else:
        start = _number(base, name=name)
        end = high if slash else start
    if not low <= start <= end <= high:
        raise ValueError(f"Cron {name}: {term!r} is outside {low}-{high} or reversed")
    return range(start, end + 1, step)


def _number(text: str, *, name: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"Cron {name}: {text!r} is not a number")
    return int(text)
