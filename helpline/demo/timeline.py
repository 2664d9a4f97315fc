"""When generated tickets arrive: more on weekdays and in business hours, a little more every month.

Times come out sorted, day by day, so ticket numbers can follow creation order and only one day of
timestamps is ever in memory.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import accumulate

# Monday first. Weekends are quiet but not empty.
WEEKDAY_WEIGHTS = (1.15, 1.1, 1.05, 1.0, 0.9, 0.3, 0.25)
# Hours 0..23 (UTC): a business-hours hump with an evening tail.
HOUR_WEIGHTS = (0.8, 0.5, 0.35, 0.3, 0.3, 0.5, 1.0, 2.5, 5.0, 8.0, 9.0, 9.0,
                8.0, 8.0, 9.0, 9.0, 8.0, 6.0, 4.0, 3.0, 2.5, 2.0, 1.5, 1.1)  # fmt: skip
HOUR_CUMULATIVE = tuple(accumulate(HOUR_WEIGHTS))
# Volume grows by this fraction from the first day to the last.
GROWTH = 0.3
DAY = timedelta(days=1)


def period_start(end: datetime, months: int) -> datetime:
    """Midnight (UTC) `months` months before `end`."""
    start = end - timedelta(days=round(months * 30.44))
    return start.replace(hour=0, minute=0, second=0, microsecond=0)


def tickets_per_day(*, total: int, start: datetime, end: datetime, rng: random.Random) -> list[int]:
    """How many tickets arrive on each day from `start` to `end`; the counts add up to `total`."""
    days = (end - start).days + 1
    weights = []
    for index in range(days):
        day = start + index * DAY
        weight = WEEKDAY_WEIGHTS[day.weekday()] * (1 + GROWTH * index / max(days - 1, 1))
        weight *= rng.uniform(0.85, 1.15)
        if day + DAY > end:  # today: only the part of the day that has passed
            weight *= (end - day) / DAY
        weights.append(weight)
    scale = total / sum(weights)
    # Rounding the running total, not each day, keeps the sum exact and the days smooth.
    counts, running, previous = [], 0.0, 0
    for weight in weights:
        running += weight * scale
        counts.append(round(running) - previous)
        previous = round(running)
    return counts


def arrival_times(*, total: int, start: datetime, end: datetime, rng: random.Random) -> Iterator[datetime]:
    """`total` creation times between `start` and `end`, in increasing order."""
    counts = tickets_per_day(total=total, start=start, end=end, rng=rng)
    for index, count in enumerate(counts):
        day = start + index * DAY
        yield from sorted(_time_in_day(day, end, rng) for _ in range(count))


def _time_in_day(day: datetime, end: datetime, rng: random.Random) -> datetime:
    for _ in range(20):
        hour = rng.choices(range(24), cum_weights=HOUR_CUMULATIVE)[0]
        moment = day + timedelta(hours=hour, seconds=rng.random() * 3600)
        if moment < end:
            return moment
    return day + (end - day) * rng.random()
