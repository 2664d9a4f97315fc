"""Every real message of the shared corpus through the whole pipeline (store, parse, thread, write):
nothing raises, the raw message is kept, and no bounce or auto-reply opens a customer ticket."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

import pytest

from helpline.mail.models import InboundMail
from helpline.mail.services import raw_read
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Ticket

CORPUS = Path(os.environ.get("HELPLINE_MAIL_CORPUS") or Path(__file__).resolve().parents[4] / "shared" / "mail-corpus")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true"}
FINAL = {InboundMail.State.PROCESSED, InboundMail.State.IGNORED, InboundMail.State.QUARANTINED}


def _messages() -> list[dict[str, str]]:
    manifest = CORPUS / "manifest.csv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["role"] == "message"]


MESSAGES = _messages()


def _automated(row: dict[str, str]) -> bool:
    """A bounce, report or auto-reply by the manifest (sisimai's `not/` files are ordinary mail)."""
    covers = row["covers"].split()
    if "mta:is-not-bounce" in covers:
        return False
    return row["source"] == "sisimai" or any(c.startswith(("bounce:", "auto:")) for c in covers)


def _params(rows: list[dict[str, str]]) -> list[Any]:
    if not rows:
        return [pytest.param(None, id="corpus-missing")]
    return [pytest.param(row, id=f"{row['source']}/{row['file']}") for row in rows]


@pytest.mark.parametrize("row", _params(MESSAGES))
def test_every_corpus_message_goes_through_the_pipeline(row: dict[str, str] | None, deliver: Any):
    if row is None:
        if IN_CI:
            pytest.fail(f"mail corpus missing at {CORPUS} (set HELPLINE_MAIL_CORPUS); CI must run it")
        pytest.skip(f"mail corpus not found at {CORPUS}")
    # given
    raw = (CORPUS / row["source"] / row["file"]).read_bytes()

    # when
    inbound = deliver(raw)

    # then
    assert inbound.state in FINAL
    assert inbound.reason
    assert raw_read(inbound) == raw
    if _automated(row):
        assert not Ticket.objects.exists(), f"{row['file']} opened a ticket: {inbound.reason}"
        assert not OutboxMessage.objects.exists(), f"{row['file']} was answered: {inbound.reason}"
