"""Reading a real IMAP server (dovecot on loopback): UIDs, flags, moves, re-polls, IDLE."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.management import call_command

from helpline.accounts.models import Team
from helpline.mail.imap import ImapPoller, imap_connect
from helpline.mail.imap.connect import ImapConfigError
from helpline.mail.models import ImapState, InboundMail, Mailbox
from helpline.mail.tests.support import Dovecot, mail_bytes
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Ticket

pytestmark = pytest.mark.slow


def test_new_mail_is_stored_processed_and_flagged_seen(imap_mailbox: Mailbox, dovecot: Dovecot):
    # given
    user = imap_mailbox.imap_username
    dovecot.append(user, mail_bytes(message_id="a@client.test", subject="First"))
    dovecot.append(user, mail_bytes(message_id="b@client.test", subject="Second"))

    # when
    stored = ImapPoller(imap_mailbox).poll_once()

    # then
    assert stored == 2
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["First", "Second"]
    assert set(InboundMail.objects.values_list("source", "state")) == {("imap", "processed")}
    assert all(b"\\Seen" in flags for flags, _ in dovecot.messages(user))
    state = ImapState.objects.get(mailbox=imap_mailbox)
    assert (state.folder, state.last_uid, state.last_error) == ("INBOX", 2, "")
    assert state.uidvalidity > 0


def test_a_second_poll_reads_only_what_is_new(imap_mailbox: Mailbox, dovecot: Dovecot):
    # given
    user = imap_mailbox.imap_username
    dovecot.append(user, mail_bytes(message_id="a@client.test"))
    ImapPoller(imap_mailbox).poll_once()
    dovecot.append(user, mail_bytes(message_id="b@client.test", subject="Another"))

    # when
    stored = ImapPoller(imap_mailbox).poll_once()

    # then
    assert stored == 1
    assert Ticket.objects.count() == 2


def test_a_re_poll_after_a_crash_makes_no_duplicate(imap_mailbox: Mailbox, dovecot: Dovecot):
    # given a poller that stored and processed a mail but died before recording the UID
    dovecot.append(imap_mailbox.imap_username, mail_bytes(message_id="a@client.test"))
    ImapPoller(imap_mailbox).poll_once()
    ImapState.objects.update(last_uid=0)

    # when
    ImapPoller(imap_mailbox).poll_once()

    # then
    assert Ticket.objects.count() == 1
    assert InboundMail.objects.get().deliveries == 2
    assert OutboxMessage.objects.filter(dedupe_key__startswith="ack:").count() == 1


def test_a_new_uidvalidity_reads_the_folder_again_without_duplicates(imap_mailbox: Mailbox, dovecot: Dovecot):
    # given the server renumbered the folder (UIDVALIDITY changed) since our last poll
    dovecot.append(imap_mailbox.imap_username, mail_bytes(message_id="a@client.test"))
    ImapPoller(imap_mailbox).poll_once()
    ImapState.objects.update(uidvalidity=1, last_uid=99)

    # when
    ImapPoller(imap_mailbox).poll_once()

    # then
    state = ImapState.objects.get()
    assert state.uidvalidity != 1 and state.last_uid == 1
    assert Ticket.objects.count() == 1


def test_processed_mail_can_be_moved_to_a_folder(imap_mailbox: Mailbox, dovecot: Dovecot):
    # given
    imap_mailbox.processed_action = Mailbox.ProcessedAction.MOVE
    imap_mailbox.processed_folder = "Processed"
    imap_mailbox.save()
    dovecot.append(imap_mailbox.imap_username, mail_bytes(message_id="a@client.test"))

    # when
    ImapPoller(imap_mailbox).poll_once()

    # then
    assert dovecot.messages(imap_mailbox.imap_username) == []
    assert len(dovecot.messages(imap_mailbox.imap_username, folder="Processed")) == 1
    assert Ticket.objects.count() == 1


def test_the_running_poller_picks_up_mail_with_idle(imap_mailbox: Mailbox, dovecot: Dovecot, transactional_db: Any):
    # given a poller waiting in IDLE in its own thread
    stop = threading.Event()
    poller = ImapPoller(imap_mailbox, idle_seconds=30)
    thread = threading.Thread(target=poller.run, args=(stop,), daemon=True)
    thread.start()

    # when a mail arrives
    dovecot.append(imap_mailbox.imap_username, mail_bytes(message_id="idle@client.test", subject="Via IDLE"))

    # then it becomes a ticket within seconds
    try:
        from helpline.jobs.tests.support import wait_until

        wait_until(lambda: Ticket.objects.filter(subject="Via IDLE").exists(), timeout=15, what="the IDLE poll")
    finally:
        stop.set()
        thread.join(timeout=15)
    assert not thread.is_alive()


def test_a_wrong_password_is_recorded_and_retried(imap_mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch):
    # given
    imap_mailbox.imap_secret_env = "HELPLINE_TEST_NO_SUCH_SECRET"
    imap_mailbox.save()

    # when / then
    with pytest.raises(ImapConfigError, match="set the environment variable"):
        imap_connect(imap_mailbox)


def test_the_poll_command_reads_once(imap_mailbox: Mailbox, dovecot: Dovecot, capsys: Any):
    # given
    dovecot.append(imap_mailbox.imap_username, mail_bytes(message_id="cmd@client.test"))

    # when
    call_command("mail", "poll", "--once", "--mailbox", "Support")

    # then
    assert capsys.readouterr().out.strip() == "1 new message(s)"
    assert Ticket.objects.count() == 1


def test_an_admins_change_to_the_mailbox_applies_from_the_next_round(imap_mailbox: Mailbox, dovecot: Dovecot,
                                                                     billing_team: Team):  # fmt: skip
    # given a running poller, and an admin who then moves the mailbox to the billing team
    poller = ImapPoller(imap_mailbox)
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(default_team=billing_team)
    dovecot.append(imap_mailbox.imap_username, mail_bytes(message_id="moved@client.test"))

    # when
    poller.poll_once()

    # then
    assert Ticket.objects.get().team == billing_team


def test_a_backlog_is_read_in_groups_and_an_oversized_mail_stays_on_the_server(
    imap_mailbox: Mailbox, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch, settings: Any
):
    # given a backlog of 30 mails (more than one FETCH batch), one of them over the size limit, and
    # fetch groups small enough that the rest needs several
    from helpline.mail.imap import poller

    user = imap_mailbox.imap_username
    for n in range(30):
        body = "x" * (30_000 if n == 7 else 200)
        dovecot.append(user, mail_bytes(message_id=f"m{n}@client.test", subject=f"Mail {n}", body=body))
    settings.HELPLINE_MAIL_MAX_RAW_BYTES = 20_000
    monkeypatch.setattr(poller, "FETCH_BYTES", 4_000)

    # when the mailbox is polled
    stored = ImapPoller(imap_mailbox).poll_once()

    # then every other mail became its own ticket once, in order, and all of them are marked
    assert stored == 29
    subjects = list(Ticket.objects.order_by("number").values_list("subject", flat=True))
    assert subjects == [f"Mail {n}" for n in range(30) if n != 7]
    flags = [f for f, _ in dovecot.messages(user)]
    assert [b"\\Seen" in f for f in flags] == [n != 7 for n in range(30)]
    assert b"$HelplineTooLarge" in flags[7]
    assert ImapState.objects.get(mailbox=imap_mailbox).last_uid == 30
