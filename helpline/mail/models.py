"""The email channel's rows: mailboxes, every inbound mail (raw kept), IMAP progress, sender rules,
acknowledgement log and the mail templates admins edit."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from helpline.core.clock import now


class Mailbox(models.Model):
    """One address customers write to (support@, billing@…) and the way Helpline reads it."""

    class Security(models.TextChoices):
        TLS = "tls", _("TLS (port 993)")
        STARTTLS = "starttls", _("STARTTLS (port 143)")
        NONE = "none", _("None (loopback and tests only)")

    class ProcessedAction(models.TextChoices):
        FLAG = "flag", _("Mark as read (\\Seen)")
        MOVE = "move", _("Move to a folder")

    name = models.CharField(max_length=100, unique=True)
    address = models.EmailField(max_length=320, unique=True, help_text="Lower-case; replies come from it.")
    aliases = models.JSONField(
        default=list, blank=True, help_text="Other addresses of ours delivered to this mailbox (never CC'd back)."
    )
    from_name = models.CharField(max_length=200, blank=True, help_text="Display name of outgoing mail.")
    signature = models.TextField(blank=True, help_text="Appended to agent replies sent from this mailbox.")
    default_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    default_category = models.ForeignKey(
        "tickets.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    auto_acknowledge = models.BooleanField(default=True, help_text="Answer a new ticket with an acknowledgement.")
    imap_host = models.CharField(max_length=255, blank=True, help_text="Empty: no IMAP (pipe or SMTP only).")
    imap_port = models.PositiveIntegerField(default=993)
    imap_security = models.CharField(max_length=16, choices=Security.choices, default=Security.TLS)
    imap_username = models.CharField(max_length=320, blank=True)
    imap_secret_env = models.CharField(
        max_length=100, blank=True, help_text="Name of the environment variable holding the password (NAME_FILE works)."
    )
    imap_oauth_token_env = models.CharField(
        max_length=100, blank=True, help_text="Name of the environment variable holding an XOAUTH2 access token."
    )
    imap_folder = models.CharField(max_length=255, default="INBOX")
    processed_action = models.CharField(max_length=16, choices=ProcessedAction.choices, default=ProcessedAction.FLAG)
    processed_folder = models.CharField(max_length=255, default="Helpline/Processed", blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    @property
    def own_addresses(self) -> set[str]:
        return {self.address.lower(), *(a.lower() for a in self.aliases or [])}


class InboundMail(models.Model):
    """One received message, stored raw before anything else happens to it (see `raw_read`).

    `dedupe_key` (sha256 of the Message-ID, or of the raw bytes when it has none) is unique, so the
    same mail delivered twice, or to two mailboxes, is one row and is processed once.
    """

    class State(models.TextChoices):
        RECEIVED = "received", _("Received (not processed yet)")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored")
        QUARANTINED = "quarantined", _("Quarantined")

    class Source(models.TextChoices):
        IMAP = "imap", _("IMAP")
        PIPE = "pipe", _("Mail gate (pipe)")
        SMTP = "smtp", _("SMTP receiver")

    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound")
    source = models.CharField(max_length=8, choices=Source.choices)
    dedupe_key = models.CharField(max_length=64, unique=True)
    message_id = models.CharField(max_length=998, help_text="Without <>; synthesised when the mail had none.")
    # The raw message: in the row when small (written and committed with it, as durable as the
    # database), else a file in storage written and fsynced before the row (HELPLINE_MAIL_INLINE_RAW_BYTES).
    raw_bytes = models.BinaryField(null=True, blank=True, editable=False)
    raw_file = models.FileField(upload_to="mail/raw/", max_length=200, blank=True)
    raw_sha256 = models.CharField(max_length=64)
    raw_size = models.BigIntegerField()
    envelope_recipients = models.JSONField(default=list, blank=True)
    sender = models.CharField(max_length=320, blank=True, help_text="From, as read before parsing (for the list).")
    subject = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RECEIVED)
    reason = models.TextField(blank=True)
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ticket_message = models.ForeignKey(
        "tickets.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The message it became (or the one that had its Message-ID already).",
    )
    attempts = models.PositiveIntegerField(default=0)
    deliveries = models.PositiveIntegerField(default=1, help_text="How often this message arrived.")
    received_at = models.DateTimeField(default=now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["state", "received_at"], name="inbound_state_received"),
            models.Index(fields=["raw_sha256"], name="inbound_raw_sha256"),
        ]
        verbose_name = "inbound mail"
        verbose_name_plural = "inbound mail"

    def __str__(self) -> str:
        return f"<{self.message_id}> {self.state}"


class ImapState(models.Model):
    """How far a mailbox's IMAP folder was read: UIDs are only valid within one UIDVALIDITY."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="imap_states")
    folder = models.CharField(max_length=255)
    uidvalidity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)
    last_poll_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mailbox", "folder"], name="imap_state_unique")]

    def __str__(self) -> str:
        return f"{self.mailbox_id}/{self.folder} {self.uidvalidity}:{self.last_uid}"


class SenderRule(models.Model):
    """Block or allow a sender address (`someone@example.com`) or a whole domain (`@example.com`).

    An address rule wins over a domain rule; at the same level, allow wins over block.
    """

    class Action(models.TextChoices):
        BLOCK = "block", _("Block")
        ALLOW = "allow", _("Allow")

    pattern = models.CharField(max_length=320, unique=True, help_text="Lower-case address or @domain.")
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.BLOCK)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey("accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["pattern"]

    def __str__(self) -> str:
        return f"{self.action} {self.pattern}"


class AcknowledgementLog(models.Model):
    """One acknowledgement sent to an address: the per-sender rate limit counts these."""

    address = models.CharField(max_length=320)
    sent_at = models.DateTimeField(default=now)

    class Meta:
        indexes = [models.Index(fields=["address", "sent_at"], name="ack_log_address_sent")]

    def __str__(self) -> str:
        return f"{self.address} {self.sent_at:%Y-%m-%d %H:%M}"


class MailTemplate(models.Model):
    """An admin's version of one outgoing mail (subject, text, HTML); the defaults live in code."""

    class Key(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement of a new ticket")
        AGENT_REPLY = "agent_reply", _("Agent reply")
        OVERSIZED = "oversized", _("Message too large")
        NOTIFY_ASSIGNED = "notify_assigned", _("Agent notification: assigned to you")
        NOTIFY_CUSTOMER_REPLIED = "notify_customer_replied", _("Agent notification: new reply on your ticket")
        NOTIFY_MENTIONED = "notify_mentioned", _("Agent notification: you were mentioned")

    key = models.CharField(max_length=32, choices=Key.choices, unique=True)
    subject = models.CharField(max_length=500)
    text = models.TextField()
    html = models.TextField(blank=True)
    updated_by = models.ForeignKey("accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.get_key_display()
