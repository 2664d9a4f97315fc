"""Everything that writes tickets, messages and attachments."""

from helpline.tickets.services.attachments import attachment_upload, filename_clean
from helpline.tickets.services.messages import (
    attachments_bind,
    customer_message_add,
    note_add,
    reply_add,
    system_entry_add,
)
from helpline.tickets.services.taxonomy import (
    category_create,
    category_update,
    tag_create,
    tag_delete,
    tag_rename,
)
from helpline.tickets.services.tickets import (
    tags_ensure,
    ticket_assign,
    ticket_create,
    ticket_disposition_set,
    ticket_merge,
    ticket_opening_message,
    ticket_purge,
    ticket_restore,
    ticket_spam,
    ticket_trash,
    ticket_update,
    tickets_close_solved,
)

__all__ = [
    "attachment_upload",
    "attachments_bind",
    "category_create",
    "category_update",
    "customer_message_add",
    "filename_clean",
    "note_add",
    "reply_add",
    "system_entry_add",
    "tag_create",
    "tag_delete",
    "tag_rename",
    "tags_ensure",
    "ticket_assign",
    "ticket_create",
    "ticket_opening_message",
    "ticket_disposition_set",
    "ticket_merge",
    "ticket_purge",
    "ticket_restore",
    "ticket_spam",
    "ticket_trash",
    "ticket_update",
    "tickets_close_solved",
]
