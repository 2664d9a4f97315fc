from __future__ import annotations

import random
from datetime import UTC, datetime

from helpline.demo.timeline import arrival_times, period_start


def test_arrival_times_are_sorted_inside_the_period_and_repeat_for_a_seed() -> None:
    # given
    end = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)
    start = period_start(end, 2)
    # when
    times = list(arrival_times(total=5000, start=start, end=end, rng=random.Random(5)))
    again = list(arrival_times(total=5000, start=start, end=end, rng=random.Random(5)))
    # then
    assert len(times) == 5000
    assert times == sorted(times) == again
    assert start <= times[0] and times[-1] < end


def test_weekdays_and_business_hours_get_most_tickets() -> None:
    # given
    end = datetime(2026, 3, 4, 0, 0, tzinfo=UTC)
    # when
    times = list(arrival_times(total=20000, start=period_start(end, 6), end=end, rng=random.Random(1)))
    # then
    weekend = sum(1 for t in times if t.weekday() >= 5)
    office = sum(1 for t in times if 8 <= t.hour < 18)
    assert weekend < 0.15 * len(times)
    assert office > 0.6 * len(times)
