"""REST operations of the tickets app: tickets, their threads and history, attachments, categories
and tags.

Translation only: every read goes through tickets.selectors (already scoped to the caller) and
every write through tickets.services; the pipeline (api/pipeline.py) wraps each write in one
transaction.
"""

from __future__ import annotations

from ninja import Router

from helpline.tickets.api import attachments, taxonomy, thread, tickets

router = Router()
for part in (tickets, thread, attachments, taxonomy):
    router.add_router("", part.router)
