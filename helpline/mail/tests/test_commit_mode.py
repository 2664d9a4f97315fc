"""Processing a stored mail may commit without waiting for the disk; storing it never does."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from helpline.mail.services.process import _commit_without_waiting_for_disk

pytestmark = pytest.mark.django_db(transaction=True)


def _synchronous_commit() -> str | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_only_the_processing_transaction_relaxes_its_commit():
    # given the server's durable default
    before = _synchronous_commit()

    # when a processing transaction relaxes its commit
    with transaction.atomic():
        _commit_without_waiting_for_disk()
        inside = _synchronous_commit()

    # then only that transaction did (SET LOCAL): the next one, a raw store say, waits for the disk
    after = _synchronous_commit()
    if connection.vendor == "postgresql":
        assert (before, inside, after) == ("on", "off", "on")
    else:
        assert (before, inside, after) == (None, None, None)  # SQLite: nothing to relax (WAL mode)
