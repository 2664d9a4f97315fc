"""Everything the email channel sends: threaded agent replies, acknowledgements, notices.

Mails are outbox rows of kind `mail` (see `send.py` for the handler); the payload is built here,
in the caller's transaction.
"""

from helpline.mail.outbound.automatic import acknowledgement_enqueue, oversized_notice_enqueue
from helpline.mail.outbound.replies import reply_delivery_enqueue, thread_headers

__all__ = ["acknowledgement_enqueue", "oversized_notice_enqueue", "reply_delivery_enqueue", "thread_headers"]
