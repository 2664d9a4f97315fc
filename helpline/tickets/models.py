from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from helpline.core.clock import now


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending (waiting on customer)")
    ON_HOLD = "on_hold", _("On hold (waiting on a third party)")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEB = "web", _("Web form")
    PORTAL = "portal", _("Customer portal")
    CHAT = "chat", _("Live chat")
    API = "api", _("API")
    MESSAGING = "messaging", _("Messaging")
    PHONE = "phone", _("Phone")


class Disposition(models.TextChoices):
    ACTIVE = "active", _("Active")
    SPAM = "spam", _("Spam")
    TRASH = "trash", _("Trash")


class Category(models.Model):
    """An admin-defined tree of categories (Billing › Refunds)."""

    name = models.CharField(max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=500, editable=False, help_text="Names from the root, joined by ' › '.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["path"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_name_unique"),
            # NULL parents are distinct to the constraint above, so root names need their own.
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(parent__isnull=True), name="category_root_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.path


class Tag(models.Model):
    name = models.SlugField(max_length=64, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    number = models.BigIntegerField(unique=True, editable=False)
    subject = models.CharField(max_length=500)
    # Indexed by the composites below (requester, assignee, category lead them); no single-column index.
    requester = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    ccs = models.ManyToManyField("customers.Customer", blank=True, related_name="cc_tickets")
    followers = models.ManyToManyField("accounts.Agent", blank=True, related_name="followed_tickets")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=16, choices=Priority.choices, default=Priority.MEDIUM)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    assignee = models.ForeignKey(
        "accounts.Agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        db_index=False,
    )
    custom_fields = models.JSONField(default=dict, blank=True)
    disposition = models.CharField(max_length=16, choices=Disposition.choices, default=Disposition.ACTIVE)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    follow_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    # Optimistic concurrency: every write bumps it; a write that names an older version is refused.
    version = models.PositiveIntegerField(default=1)

    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    last_agent_reply_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    disposition_at = models.DateTimeField(null=True, blank=True)
    # SLA targets; the SLA engine sets them, timers are claimed from these columns.
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["disposition", "team", "status", "-created_at", "-id"], name="ticket_team_status_created"
            ),
            models.Index(
                fields=["disposition", "team", "status", "-updated_at", "-id"], name="ticket_team_status_updated"
            ),
            models.Index(fields=["disposition", "status", "-created_at", "-id"], name="ticket_status_created"),
            models.Index(fields=["disposition", "status", "-updated_at", "-id"], name="ticket_status_updated"),
            models.Index(fields=["disposition", "-created_at", "-id"], name="ticket_created"),
            models.Index(fields=["disposition", "-updated_at", "-id"], name="ticket_updated"),
            models.Index(fields=["assignee", "status", "-updated_at", "-id"], name="ticket_assignee_status"),
            models.Index(fields=["requester", "-created_at", "-id"], name="ticket_requester_created"),
            models.Index(fields=["category", "-created_at", "-id"], name="ticket_category_created"),
            models.Index(fields=["status", "solved_at"], name="ticket_status_solved"),
            models.Index(fields=["disposition", "disposition_at"], name="ticket_disposition_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"


class Message(models.Model):
    """One entry of a ticket's thread."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("Customer message")
        REPLY = "reply", _("Public reply")
        NOTE = "note", _("Internal note")
        SYSTEM = "system", _("System entry")

    # Kinds a customer may ever see. Internal notes and system entries never leave the staff side.
    PUBLIC_KINDS = (Kind.CUSTOMER, Kind.REPLY)

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages", db_index=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    author_agent = models.ForeignKey(
        "accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True, help_text="Sanitized.")
    # Email threading: our own Message-ID for what we send, theirs for what we receive.
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True, help_text="Channel details (headers, delivery state…)")
    mentions = models.ManyToManyField("accounts.Agent", blank=True, related_name="mentioned_in")
    created_at = models.DateTimeField(default=now)

    class Meta:
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="message_ticket_created")]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on ticket {self.ticket_id}"

    @property
    def is_public(self) -> bool:
        return self.kind in self.PUBLIC_KINDS


class Blob(models.Model):
    """File content, stored once per distinct content (sha256)."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField()
    file = models.FileField(upload_to="blobs/%Y/%m/")
    created_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return self.sha256


class Attachment(models.Model):
    """A file on a message. Uploaded first (no message yet), bound when the message is written."""

    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="attachments")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255, default="application/octet-stream")
    size = models.BigIntegerField()
    content_id = models.CharField(max_length=255, blank=True, help_text="For inline images (cid:).")
    is_inline = models.BooleanField(default=False)
    uploaded_by_agent = models.ForeignKey(
        "accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by_customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename
