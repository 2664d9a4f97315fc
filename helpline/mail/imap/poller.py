"""Reading a mailbox over IMAP: new messages by UID, stored, processed, then flagged or moved.

Progress is an `ImapState` row per mailbox and folder: the folder's UIDVALIDITY and the last UID
handled. Messages are read in batches (up to FETCH_BATCH messages and FETCH_BYTES bytes in one
FETCH): the batch is first stored (committed together: one wait for the disk), then each message
is processed, then the batch is marked on the server, then its last UID is recorded; a crash in
between means those messages are fetched again and recognised as duplicates. When UIDVALIDITY
changes, the folder is read from the start (duplicates again).
Between rounds the poller waits with IDLE when the server has it, else polls; a lost connection
is retried with exponential backoff.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.db import close_old_connections, connections
from imapclient import IMAPClient

from helpline.core.clock import now
from helpline.mail.conf import max_raw_bytes
from helpline.mail.imap.connect import imap_connect
from helpline.mail.models import ImapState, InboundMail, Mailbox
from helpline.mail.services import mail_process, mail_receive_many

logger = logging.getLogger(__name__)

FETCH_BATCH = 25
# At most this many bytes of messages in one FETCH (and so in memory at once).
FETCH_BYTES = 16 * 1024 * 1024
BACKOFF_SECONDS = (1, 2, 5, 10, 30, 60, 120, 300)
SEEN = b"\\Seen"
TOO_LARGE_FLAG = b"$HelplineTooLarge"


class ImapPoller:
    """Reads one mailbox; `poll_once()` for one round, `run(stop)` to keep going until stopped."""

    def __init__(
        self,
        mailbox: Mailbox,
        *,
        process: bool = True,
        idle_seconds: float = 25 * 60,
        poll_seconds: float = 60,
        connect: Callable[[Mailbox], IMAPClient] = imap_connect,
    ) -> None:
        self.mailbox = mailbox
        self.process = process
        self.idle_seconds = idle_seconds
        self.poll_seconds = poll_seconds
        self._connect = connect

    def poll_once(self) -> int:
        """Connect, read what is new, disconnect; returns how many messages were stored."""
        client = self._connect(self.mailbox)
        try:
            return self.fetch_new(client)
        finally:
            _logout(client)

    def fetch_new(self, client: IMAPClient) -> int:
        """Store (and process) every message above the last UID handled; returns how many."""
        # Once a round, not once a message: an admin's change (team, category, acknowledgement) applies
        # from the next round on, and processing uses this row rather than reading it per message.
        self.mailbox = Mailbox.objects.select_related("default_team", "default_category").get(pk=self.mailbox.pk)
        folder = self.mailbox.imap_folder or "INBOX"
        selected = client.select_folder(folder)
        state = self._state(folder, int(selected[b"UIDVALIDITY"]))
        uids = sorted(uid for uid in client.search(["UID", f"{state.last_uid + 1}:*"]) if uid > state.last_uid)
        stored = 0
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            fetched = client.fetch(batch, ["RFC822.SIZE"])
            sizes = {uid: int(fetched.get(uid, {}).get(b"RFC822.SIZE", 0)) for uid in batch}
            for group in self._groups(client, batch, sizes):
                stored += self._take(client, group)
                state.last_uid = group[-1]
                state.last_poll_at = now()
                state.last_error = ""
                state.save(update_fields=["last_uid", "last_poll_at", "last_error"])
        if not uids:
            ImapState.objects.filter(pk=state.pk).update(last_poll_at=now(), last_error="")
        return stored

    def run(self, stop: threading.Event) -> None:
        """Poll until `stop` is set: IDLE (or sleep) between rounds, reconnect with backoff.

        Meant as a thread's whole work: it closes the thread's database connections at the end."""
        try:
            self._run(stop)
        finally:
            connections.close_all()

    def _run(self, stop: threading.Event) -> None:
        failures = 0
        while not stop.is_set():
            client = None
            try:
                close_old_connections()
                client = self._connect(self.mailbox)
                failures = 0
                self.fetch_new(client)
                while not stop.is_set():
                    self._wait(client, stop)
                    close_old_connections()
                    self.fetch_new(client)
            except Exception as error:  # noqa: BLE001 - the poller outlives any one failure
                delay = BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS) - 1)]
                failures += 1
                logger.warning("IMAP %s: %s: %s; reconnecting in %ss", self.mailbox.name,
                               type(error).__name__, error, delay)  # fmt: skip
                self._error(f"{type(error).__name__}: {error}")
                stop.wait(delay)
            finally:
                if client is not None:
                    _logout(client)

    def _groups(self, client: IMAPClient, uids: list[int], sizes: dict[int, int]) -> list[list[int]]:
        """The UIDs to fetch together, in order, each group at most FETCH_BYTES (a message over the
        size limit is flagged and left on the server, and ends nothing: it is simply skipped)."""
        groups: list[list[int]] = [[]]
        total = 0
        for uid in uids:
            size = sizes[uid]
            if size > max_raw_bytes():
                logger.error("IMAP %s: message UID %s is %s bytes, over the limit; left on the server",
                             self.mailbox.name, uid, size)  # fmt: skip
                client.add_flags([uid], [TOO_LARGE_FLAG])
                continue
            if groups[-1] and total + size > FETCH_BYTES:
                groups.append([])
                total = 0
            groups[-1].append(uid)
            total += size
        return [group for group in groups if group]

    def _take(self, client: IMAPClient, uids: list[int]) -> int:
        fetched = client.fetch(uids, ["BODY.PEEK[]"])
        present = [uid for uid in uids if uid in fetched]  # expunged meanwhile by another client: gone
        raws = [fetched[uid][b"BODY[]"] for uid in present]
        for inbound in mail_receive_many(raws, mailbox=self.mailbox, source=InboundMail.Source.IMAP):
            if self.process:
                mail_process(inbound)
        if present:
            self._mark_processed(client, present)
        return len(present)

    def _mark_processed(self, client: IMAPClient, uids: list[int]) -> None:
        target = self.mailbox.processed_folder
        if self.mailbox.processed_action == Mailbox.ProcessedAction.MOVE and target:
            if not client.folder_exists(target):
                client.create_folder(target)
            if client.has_capability("MOVE"):
                client.move(uids, target)
            else:
                client.copy(uids, target)
                client.delete_messages(uids)
                if client.has_capability("UIDPLUS"):
                    client.uid_expunge(uids)
                else:
                    client.expunge()
        else:
            client.add_flags(uids, [SEEN])

    def _wait(self, client: IMAPClient, stop: threading.Event) -> None:
        """Until the server says something changed, the IDLE window ends, or `stop` is set."""
        if not client.has_capability("IDLE"):
            stop.wait(self.poll_seconds)
            client.noop()
            return
        client.idle()
        try:
            deadline = time.monotonic() + self.idle_seconds
            while not stop.is_set() and time.monotonic() < deadline:
                if client.idle_check(timeout=min(5.0, max(0.1, deadline - time.monotonic()))):
                    break
        finally:
            client.idle_done()

    def _state(self, folder: str, uidvalidity: int) -> ImapState:
        state, _ = ImapState.objects.get_or_create(mailbox=self.mailbox, folder=folder)
        if state.uidvalidity != uidvalidity:
            if state.uidvalidity:
                logger.warning("IMAP %s/%s: UIDVALIDITY changed (%s → %s); reading the folder again",
                               self.mailbox.name, folder, state.uidvalidity, uidvalidity)  # fmt: skip
            state.uidvalidity = uidvalidity
            state.last_uid = 0
            state.save(update_fields=["uidvalidity", "last_uid"])
        return state

    def _error(self, text: str) -> None:
        try:
            folder = self.mailbox.imap_folder or "INBOX"
            ImapState.objects.update_or_create(
                mailbox=self.mailbox, folder=folder, defaults={"last_error": text[:2000]}
            )
        except Exception:  # noqa: BLE001 - the database may be what failed
            logger.debug("Could not record the IMAP error", exc_info=True)


def mailboxes_poll_once(names: list[str] | None = None) -> int:
    """One round over every active mailbox with an IMAP host (or those named); returns messages stored.
    A mailbox that fails is logged and skipped."""
    mailboxes = Mailbox.objects.filter(is_active=True).exclude(imap_host="")
    if names:
        mailboxes = mailboxes.filter(name__in=names)
    stored = 0
    for mailbox in mailboxes:
        try:
            stored += ImapPoller(mailbox).poll_once()
        except Exception as error:  # noqa: BLE001 - one broken mailbox must not stop the others
            logger.warning("IMAP %s: %s: %s", mailbox.name, type(error).__name__, error)
            ImapPoller(mailbox)._error(f"{type(error).__name__}: {error}")
    return stored


def _logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # noqa: BLE001
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001, S110
            pass
