from __future__ import annotations

import base64
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpline.audit.models import Event
from helpline.core.errors import InvalidInput
from helpline.core.keyset import cursor_decode, cursor_encode, keyset_page

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
aware_datetimes = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC))
ids = st.integers(min_value=1, max_value=2**63 - 1)
_kinds = itertools.count()


def _events(ats: list[datetime]) -> tuple[str, list[Event]]:
    """Rows of a kind of their own, so each example pages only its rows."""
    kind = f"test.keyset.{next(_kinds)}"
    rows = Event.objects.bulk_create([Event(kind=kind, at=at) for at in ats])
    if rows[0].pk is None:  # backends that do not return ids from bulk inserts
        rows = list(Event.objects.filter(kind=kind).order_by("id"))
    return kind, rows


def _walk(kind: str, *, descending: bool, limit: int) -> tuple[list[int], int]:
    seen: list[int] = []
    pages = 0
    cursor = None
    while True:
        page = keyset_page(
            Event.objects.filter(kind=kind),
            field="at",
            descending=descending,
            field_type=datetime,
            limit=limit,
            cursor=cursor,
        )
        pages += 1
        seen += [e.pk for e in page.items]
        if page.next_cursor is None:
            return seen, pages
        cursor = page.next_cursor


# ------------------------------------------------------------------ cursors


@given(at=aware_datetimes, pk=ids)
def test_a_cursor_decodes_to_the_values_it_was_encoded_from(at, pk):
    # when
    cursor = cursor_encode([at, pk])

    # then
    assert cursor_decode(cursor, [datetime, int]) == [at, pk]
    assert "=" not in cursor


def test_a_cursor_is_url_safe_base64_of_a_json_list():
    # when
    cursor = cursor_encode([T0, 7])

    # then
    assert base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)) == b'["2026-03-02T09:00:00+00:00",7]'


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not base64 at all!",
        base64.urlsafe_b64encode(b"{not json").decode(),
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),  # not a list
        base64.urlsafe_b64encode(b'["2026-03-02T09:00:00+00:00"]').decode(),  # too short
        base64.urlsafe_b64encode(b'["2026-03-02T09:00:00+00:00", 1, 2]').decode(),  # too long
        base64.urlsafe_b64encode(b'["yesterday", 1]').decode(),  # not a date
        base64.urlsafe_b64encode(b'["2026-03-02T09:00:00+00:00", "one"]').decode(),  # not an id
        base64.urlsafe_b64encode(b"[5, 1]").decode(),  # a number where a date belongs
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),  # not UTF-8
    ],
)
def test_an_invalid_cursor_is_invalid_input_naming_the_cursor(cursor):
    # when
    with pytest.raises(InvalidInput) as raised:
        cursor_decode(cursor, [datetime, int])

    # then
    assert raised.value.errors == [{"field": "cursor", "message": "invalid"}]
    assert raised.value.detail == "The cursor is not valid: start again from the first page."


@given(cursor=st.text(max_size=80))
def test_any_string_as_a_cursor_decodes_or_is_invalid_input_and_never_crashes(cursor):
    # when / then
    try:
        values = cursor_decode(cursor, [datetime, int])
    except InvalidInput:
        return
    assert len(values) == 2


# ------------------------------------------------------------------ pages


@pytest.mark.django_db
@pytest.mark.parametrize("descending", [False, True])
def test_paging_walks_rows_that_share_the_sort_value_each_exactly_once(descending):
    # given: 23 rows at only three distinct times, so most pages start in the middle of a tie
    kind, rows = _events([T0] * 11 + [T0 + timedelta(seconds=1)] * 7 + [T0 - timedelta(days=1)] * 5)
    expected = [e.pk for e in sorted(rows, key=lambda e: (e.at, e.pk), reverse=descending)]

    # when
    seen, pages = _walk(kind, descending=descending, limit=4)

    # then
    assert seen == expected
    assert pages == 6


@pytest.mark.django_db
def test_the_last_full_page_has_no_next_cursor():
    # given
    kind, rows = _events([T0] * 4)

    # when
    page = keyset_page(
        Event.objects.filter(kind=kind), field="at", descending=False, field_type=datetime, limit=4, cursor=None
    )

    # then
    assert [e.pk for e in page.items] == [e.pk for e in rows]
    assert page.next_cursor is None


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    offsets=st.lists(st.sampled_from([0, 0, 0, 1, 2, 86_400, 1_500_000]), min_size=1, max_size=30),
    descending=st.booleans(),
    limit=st.integers(min_value=1, max_value=7),
)
def test_paging_any_rows_in_any_direction_yields_the_sorted_rows_once(db, offsets, descending, limit):
    # given: microsecond offsets, with many ties
    kind, rows = _events([T0 + timedelta(microseconds=o) for o in offsets])
    expected = [e.pk for e in sorted(rows, key=lambda e: (e.at, e.pk), reverse=descending)]

    # when
    seen, pages = _walk(kind, descending=descending, limit=limit)

    # then
    assert seen == expected
    assert pages == max(1, -(-len(rows) // limit))
