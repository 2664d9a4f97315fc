from __future__ import annotations

import pytest

from helpline.core.models import NumberSequence
from helpline.core.sequences import sequence_next

pytestmark = pytest.mark.django_db


def test_a_new_sequence_starts_at_its_start_and_goes_up_by_one():
    # when
    numbers = [sequence_next("invoice", start=500) for _ in range(5)]

    # then
    assert numbers == [500, 501, 502, 503, 504]
    assert NumberSequence.objects.get(name="invoice").value == 504


def test_the_start_only_matters_for_the_first_number():
    # given
    sequence_next("invoice", start=500)

    # when
    number = sequence_next("invoice", start=1)

    # then
    assert number == 501


def test_sequences_count_independently():
    # when
    a1 = sequence_next("a", start=1)
    b1 = sequence_next("b", start=100)
    a2 = sequence_next("a", start=1)

    # then
    assert (a1, b1, a2) == (1, 100, 2)


def test_a_number_taken_in_a_transaction_that_commits_is_never_handed_out_again():
    # given: a number taken and its row written elsewhere, then the row gone (like a purged ticket)
    taken = sequence_next("ticket", start=1000)

    # when
    following = [sequence_next("ticket", start=1000) for _ in range(3)]

    # then
    assert following == [taken + 1, taken + 2, taken + 3]
